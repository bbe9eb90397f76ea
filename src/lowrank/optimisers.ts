// SGD (with Nesterov) momentum and Adam, each with per-parameter weight decay. Written by hand
// because TF.js's optimisers key their slots by a variable they expect never to change shape;
// ours are keyed by the variable's name and can be sliced when pruning shrinks it (§3).
import * as tf from '@tensorflow/tfjs';
import { adoptAsVariable } from './variables';

export interface ParamUpdate {
  variable: tf.Variable;
  gradient: tf.Tensor;
  /** L2 coefficient added to the gradient (docs/method.md, "Training recipe": on s, BN, biases, dense; not U, V). */
  weightDecay: number;
}

export interface SgdSettings {
  kind: 'sgd';
  learningRate: number;
  momentum: number;
  nesterov: boolean;
}

export interface AdamSettings {
  kind: 'adam';
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

export type OptimiserSettings = SgdSettings | AdamSettings;

/** Plain-data snapshot of an optimiser, for checkpoints. */
export interface OptimiserSnapshot {
  settings: OptimiserSettings;
  stepCount: number;
  slots: { variable: string; slot: string; shape: number[]; values: Float32Array }[];
}

const SLOT_NAMES = { sgd: ['momentum'], adam: ['firstMoment', 'secondMoment'] } as const;

export class Optimiser {
  settings: OptimiserSettings;
  stepCount = 0;
  /** variable name -> slot name -> slot tensor of the variable's shape */
  private slots = new Map<string, Map<string, tf.Variable>>();

  constructor(settings: OptimiserSettings) {
    this.settings = { ...settings };
  }

  /** Changes take effect at the next step; switching kind drops the old slots. */
  configure(settings: OptimiserSettings): void {
    if (settings.kind !== this.settings.kind) this.reset();
    this.settings = { ...settings };
  }

  apply(updates: readonly ParamUpdate[]): void {
    this.stepCount++;
    for (const update of updates) {
      tf.tidy(() => {
        const { variable, weightDecay } = update;
        const gradient =
          weightDecay !== 0
            ? tf.add(update.gradient, tf.mul(variable, weightDecay))
            : update.gradient;
        variable.assign(tf.sub(variable, this.direction(variable, gradient)));
      });
    }
  }

  /** The step (already scaled by the learning rate) to subtract from `variable`. */
  private direction(variable: tf.Variable, gradient: tf.Tensor): tf.Tensor {
    const settings = this.settings;
    if (settings.kind === 'sgd') {
      if (settings.momentum === 0) return tf.mul(gradient, settings.learningRate);
      const buffer = this.slot(variable, 'momentum');
      buffer.assign(tf.add(tf.mul(buffer, settings.momentum), gradient));
      const velocity = settings.nesterov
        ? tf.add(gradient, tf.mul(buffer, settings.momentum))
        : buffer;
      return tf.mul(velocity, settings.learningRate);
    }
    const { beta1, beta2, epsilon, learningRate } = settings;
    const first = this.slot(variable, 'firstMoment');
    const second = this.slot(variable, 'secondMoment');
    first.assign(tf.add(tf.mul(first, beta1), tf.mul(gradient, 1 - beta1)));
    second.assign(tf.add(tf.mul(second, beta2), tf.mul(tf.square(gradient), 1 - beta2)));
    const firstUnbiased = tf.div(first, 1 - beta1 ** this.stepCount);
    const secondUnbiased = tf.div(second, 1 - beta2 ** this.stepCount);
    return tf.mul(tf.div(firstUnbiased, tf.add(tf.sqrt(secondUnbiased), epsilon)), learningRate);
  }

  private slot(variable: tf.Variable, slotName: string): tf.Variable {
    let byName = this.slots.get(variable.name);
    if (!byName) this.slots.set(variable.name, (byName = new Map()));
    let slot = byName.get(slotName);
    if (!slot) {
      slot = adoptAsVariable(tf.zerosLike(variable), undefined, false);
      byName.set(slotName, slot);
    }
    return slot;
  }

  /** Shapes of the slots held for one variable, by slot name (for tests and checks). */
  slotShapes(variableName: string): Record<string, number[]> {
    const byName = this.slots.get(variableName);
    return Object.fromEntries([...(byName ?? [])].map(([name, slot]) => [name, slot.shape]));
  }

  /** One slot's current values (read-only use: tests and diagnostics). */
  slotTensor(variableName: string, slotName: string): tf.Tensor {
    const slot = this.slots.get(variableName)?.get(slotName);
    if (!slot) throw new Error(`optimiser: no slot '${slotName}' for '${variableName}'`);
    return slot;
  }

  /** Keeps entries `keep` along `axis` in every slot of a variable that pruning just sliced. */
  sliceSlots(variableName: string, axis: number, keep: readonly number[]): void {
    const byName = this.slots.get(variableName);
    if (!byName) return;
    for (const [slotName, slot] of byName) {
      const sliced = tf.tidy(() => tf.gather(slot, tf.tensor1d([...keep], 'int32'), axis));
      slot.dispose();
      byName.set(slotName, adoptAsVariable(sliced, undefined, false));
    }
  }

  /** Forgets the slots of one variable (its values were replaced, e.g. by re-orthonormalising). */
  dropSlots(variableName: string): void {
    this.slots.get(variableName)?.forEach((slot) => slot.dispose());
    this.slots.delete(variableName);
  }

  async snapshot(): Promise<OptimiserSnapshot> {
    const slots: OptimiserSnapshot['slots'] = [];
    for (const [variable, byName] of this.slots) {
      for (const [slot, tensor] of byName) {
        slots.push({
          variable,
          slot,
          shape: tensor.shape,
          values: Float32Array.from(await tensor.data()),
        });
      }
    }
    return { settings: { ...this.settings }, stepCount: this.stepCount, slots };
  }

  restore(snapshot: OptimiserSnapshot): void {
    this.reset();
    this.settings = { ...snapshot.settings };
    this.stepCount = snapshot.stepCount;
    const known: readonly string[] = SLOT_NAMES[snapshot.settings.kind];
    for (const { variable, slot, shape, values } of snapshot.slots) {
      if (!known.includes(slot)) throw new Error(`optimiser snapshot: unknown slot '${slot}'`);
      let byName = this.slots.get(variable);
      if (!byName) this.slots.set(variable, (byName = new Map()));
      byName.set(slot, adoptAsVariable(tf.tensor(values, shape), undefined, false));
    }
  }

  get slotTensorCount(): number {
    let count = 0;
    this.slots.forEach((byName) => (count += byName.size));
    return count;
  }

  reset(): void {
    this.slots.forEach((byName) => byName.forEach((slot) => slot.dispose()));
    this.slots.clear();
    this.stepCount = 0;
  }

  dispose(): void {
    this.reset();
  }
}
