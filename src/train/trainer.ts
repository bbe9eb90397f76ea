// The training engine shared by the worker, the CLI and the benchmarks: builds the model, runs
// steps (CE + lambda_o orth + lambda_r(t) rank), prunes on schedule, evaluates, reports spectra
// and accounting, takes live hyper-parameter changes, and checkpoints its whole state.
import * as tf from '@tensorflow/tfjs';
import { LIVE_KNOBS, validateConfig, type KnobName, type TrainConfig } from '../config';
import {
  CHANNELS,
  channelStats,
  type ChannelStats,
  type ImageDataset,
  type Split,
} from '../data/dataset';
import { EpochSampler, makeBatch, randomAugmentation, type EpochCursor } from '../data/batches';
import { Random } from '../lowrank/random';
import { accountModel, type ModelAccounting } from '../lowrank/accounting';
import { breakEvenRank, matrixShape, rankOf, type FactorisedLayer } from '../lowrank/factorised';
import { Optimiser, type OptimiserSettings, type OptimiserSnapshot } from '../lowrank/optimisers';
import {
  directionsToKeep,
  pruneLayer,
  strongestDirections,
  reorthonormalise,
  type PruneEvent,
} from '../lowrank/pruning';
import { regularisation } from '../lowrank/regularisers';
import { adoptAsVariable } from '../lowrank/variables';
import {
  accountingInputs,
  allVariables,
  buildModel,
  disposeModel,
  factorisedLayers,
  forward,
  trainableParams,
  type Model,
} from '../model/resnet';
import { isPruneEpoch, lambdaRankAt, learningRateAt } from './schedules';
import { trainStep } from './step';

export interface StepMetrics {
  step: number;
  epoch: number;
  crossEntropy: number;
  orth: number;
  rank: number;
  total: number;
  trainAccuracy: number;
  learningRate: number;
  lambdaRank: number;
  batchSize: number;
  /** wall time per step, averaged over the steps since the previous read (includes the sync) */
  stepMs: number;
}

export interface LayerSpectrum {
  name: string;
  rank: number;
  fullRank: number;
  breakEvenRank: number;
  /** |s| sorted in descending order */
  singularValues: Float32Array;
}

export interface EvaluationResult {
  accuracy: number;
  loss: number;
  count: number;
}

export interface EpochReport {
  epoch: number;
  step: number;
  test: EvaluationResult;
  pruneEvents: PruneEvent[];
  accounting: ModelAccounting;
  /** deployable params / the dense model's params */
  paramsKept: number;
  macsKept: number;
  /** dense params / deployable params */
  compressionRatio: number;
  spectra: LayerSpectrum[];
}

export interface TrainerOptions {
  /** use only the first K training / test examples */
  trainLimit?: number;
  testLimit?: number;
}

export interface Checkpoint {
  version: 1;
  config: TrainConfig;
  options: TrainerOptions;
  step: number;
  cursor: EpochCursor;
  augmentationState: number;
  variables: { name: string; shape: number[]; values: Float32Array }[];
  optimiser: OptimiserSnapshot;
}

const EVAL_BATCH = 256;

/** Mean softmax cross-entropy of logits [N, classes] against class indices [N]. */
function meanCrossEntropy(labels: tf.Tensor1D, logits: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const targets = tf.oneHot(labels, logits.shape[1]);
    return tf.losses.softmaxCrossEntropy(targets, logits) as tf.Scalar;
  });
}

function limitSplit(split: Split, limit: number | undefined, imageBytes: number): Split {
  if (!limit || limit >= split.count) return split;
  return {
    images: split.images.subarray(0, limit * imageBytes),
    labels: split.labels.subarray(0, limit),
    count: limit,
  };
}

/**
 * Resizes images to the model's input size once, in JavaScript (no GPU read-back): bilinear with
 * half-pixel centres, which for a 2x reduction is the 2x2 average.
 */
export function resizeSplit(split: Split, from: number, to: number): Split {
  if (from === to) return split;
  const images = new Uint8Array(split.count * to * to * CHANNELS);
  const scale = from / to;
  const source = (i: number) => Math.min(from - 1, Math.max(0, (i + 0.5) * scale - 0.5));
  const taps = Array.from({ length: to }, (_, i) => {
    const position = source(i);
    const low = Math.floor(position);
    return { low, high: Math.min(from - 1, low + 1), weight: position - low };
  });
  for (let n = 0; n < split.count; n++) {
    const base = n * from * from * CHANNELS;
    const out = n * to * to * CHANNELS;
    for (let y = 0; y < to; y++) {
      const ty = taps[y];
      for (let x = 0; x < to; x++) {
        const tx = taps[x];
        for (let c = 0; c < CHANNELS; c++) {
          const at = (row: number, col: number) =>
            split.images[base + (row * from + col) * CHANNELS + c];
          const top = at(ty.low, tx.low) * (1 - tx.weight) + at(ty.low, tx.high) * tx.weight;
          const bottom = at(ty.high, tx.low) * (1 - tx.weight) + at(ty.high, tx.high) * tx.weight;
          images[out + (y * to + x) * CHANNELS + c] = Math.round(
            top * (1 - ty.weight) + bottom * ty.weight,
          );
        }
      }
    }
  }
  return { images, labels: split.labels, count: split.count };
}

export class Trainer {
  readonly model: Model;
  readonly optimiser: Optimiser;
  config: TrainConfig;
  step = 0;
  private readonly train: Split;
  private readonly test: Split;
  readonly stats: ChannelStats;
  private readonly sampler: EpochSampler;
  private readonly augmentationRandom: Random;
  private lastReadAt = performance.now();
  private pending: {
    metrics: Omit<
      StepMetrics,
      'crossEntropy' | 'orth' | 'rank' | 'total' | 'trainAccuracy' | 'stepMs'
    >;
    tensors: tf.Tensor[];
  }[] = [];
  /** epoch-level pruning results waiting to be reported */
  private pruneLog: PruneEvent[] = [];

  constructor(
    readonly dataset: ImageDataset,
    config: TrainConfig,
    readonly options: TrainerOptions = {},
  ) {
    this.config = { ...config };
    if (dataset.height !== dataset.width) throw new Error('only square images are supported');
    const imageBytes = dataset.height * dataset.width * CHANNELS;
    const size = config.inputSize;
    this.train = resizeSplit(
      limitSplit(dataset.train, options.trainLimit, imageBytes),
      dataset.height,
      size,
    );
    this.test = resizeSplit(
      limitSplit(dataset.test, options.testLimit, imageBytes),
      dataset.height,
      size,
    );
    this.stats = channelStats(this.train);
    this.sampler = new EpochSampler(this.train.count, config.seed * 7919 + 1);
    this.augmentationRandom = new Random(config.seed * 104729 + 7);
    this.model = buildModel({
      architecture: config.architecture,
      mode: config.mode,
      widthMultiplier: config.widthMultiplier,
      inputSize: size,
      classes: dataset.classNames.length,
      seed: config.seed,
      maxRank: config.mode === 'lowrank' ? config.maxRank : 0,
    });
    this.optimiser = new Optimiser(this.optimiserSettings());
  }

  private optimiserSettings(
    learningRate = learningRateAt(this.config, this.epochPosition),
  ): OptimiserSettings {
    const { optimiser, momentum } = this.config;
    return optimiser === 'sgd'
      ? { kind: 'sgd', learningRate, momentum, nesterov: true }
      : { kind: 'adam', learningRate, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
  }

  get epoch(): number {
    return this.sampler.epoch;
  }

  get stepsPerEpoch(): number {
    return this.sampler.stepsPerEpoch(this.config.batchSize);
  }

  /** Completed epochs plus the fraction of the current one. */
  get epochPosition(): number {
    // read the cursor directly: save() copies the whole epoch order, and this runs every step
    return this.sampler.epoch + this.sampler.position / this.train.count;
  }

  get layers(): FactorisedLayer[] {
    return factorisedLayers(this.model);
  }

  /** Changes knobs of a running job; they take effect at the next step. */
  async setHyperparameters(partial: Record<string, unknown>): Promise<void> {
    const frozen = Object.keys(partial).filter((name) => !LIVE_KNOBS.includes(name as KnobName));
    if (frozen.length)
      throw new Error(
        `cannot change ${frozen.join(', ')} while a job runs; reset with a new configuration`,
      );
    this.config = { ...this.config, ...validateConfig(partial) };
    await this.applyMaxRank();
  }

  private relativeName(name: string): string {
    return name.slice(this.model.prefix.length + 1);
  }

  private async applyMaxRank(): Promise<void> {
    const cap = this.config.maxRank;
    if (this.config.mode !== 'lowrank' || cap <= 0) return;
    for (const layer of this.layers) {
      if (rankOf(layer) <= cap) continue;
      const top = strongestDirections(await layer.s.data(), cap);
      const event = pruneLayer(layer, top, this.optimiser);
      this.pruneLog.push({ ...event, layer: this.relativeName(event.layer) });
    }
  }

  /** One training step; metrics stay on the backend until readStepMetrics. */
  trainStep(): { endOfEpoch: boolean } {
    const epochPosition = this.epochPosition;
    const learningRate = learningRateAt(this.config, epochPosition);
    const lambdaRank = lambdaRankAt(this.config, epochPosition);
    this.optimiser.configure(this.optimiserSettings(learningRate));
    const { indices, epoch, endOfEpoch } = this.sampler.next(this.config.batchSize);
    const augmentation = this.config.augment
      ? randomAugmentation(indices.length, this.augmentationRandom)
      : undefined;
    const batch = makeBatch(
      this.train,
      { height: this.config.inputSize, width: this.config.inputSize },
      indices,
      this.stats,
      augmentation,
    );
    const lowrank = this.config.mode === 'lowrank';
    const { losses, metrics } = trainStep(
      () => {
        const logits = forward(this.model, batch.images, true);
        const crossEntropy = meanCrossEntropy(batch.labels, logits);
        const { orth, rank } = lowrank
          ? regularisation(this.layers, {
              lambdaOrth: this.config.lambdaOrth,
              lambdaRank,
              rankTerm: this.config.rankTerm,
            })
          : { orth: tf.scalar(0), rank: tf.scalar(0) };
        const correct = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), batch.labels), 'float32'));
        return { losses: { crossEntropy, orth, rank }, metrics: { correct } };
      },
      trainableParams(this.model, this.config.weightDecay),
      this.optimiser,
    );
    tf.dispose([batch.images, batch.labels]);
    this.step++;
    this.pending.push({
      metrics: { step: this.step, epoch, learningRate, lambdaRank, batchSize: indices.length },
      tensors: [losses.crossEntropy, losses.orth, losses.rank, losses.total, metrics.correct],
    });
    return { endOfEpoch };
  }

  /** Prune events from a lowered rank cap, not yet reported (endEpoch reports them otherwise). */
  takePruneLog(): PruneEvent[] {
    const events = this.pruneLog;
    this.pruneLog = [];
    return events;
  }

  /** Starts a new step-time window, e.g. after evaluation or a pause, which are not steps. */
  resetStepTiming(): void {
    this.lastReadAt = performance.now();
  }

  /** Reads all pending step metrics back in one transfer (no per-step stall). */
  async readStepMetrics(): Promise<StepMetrics[]> {
    if (this.pending.length === 0) return [];
    const pending = this.pending;
    this.pending = [];
    const stacked = tf.stack(pending.flatMap((p) => p.tensors));
    tf.dispose(pending.flatMap((p) => p.tensors));
    const values = await stacked.data();
    stacked.dispose();
    const now = performance.now();
    const stepMs = (now - this.lastReadAt) / pending.length;
    this.lastReadAt = now;
    return pending.map(({ metrics }, i) => {
      const [crossEntropy, orth, rank, total, correct] = values.subarray(i * 5, i * 5 + 5);
      return {
        ...metrics,
        crossEntropy,
        orth,
        rank,
        total,
        trainAccuracy: correct / metrics.batchSize,
        stepMs,
      };
    });
  }

  /** Test-set accuracy and mean cross-entropy in eval mode (running BN statistics). */
  async evaluate(): Promise<EvaluationResult> {
    let correct = tf.scalar(0);
    let lossSum = tf.scalar(0);
    const size = { height: this.config.inputSize, width: this.config.inputSize };
    for (let start = 0; start < this.test.count; start += EVAL_BATCH) {
      const indices = Uint32Array.from(
        { length: Math.min(EVAL_BATCH, this.test.count - start) },
        (_, i) => start + i,
      );
      const batch = makeBatch(this.test, size, indices, this.stats);
      const [nextCorrect, nextLoss] = tf.tidy(() => {
        const logits = forward(this.model, batch.images, false);
        const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), batch.labels), 'float32'));
        const loss = tf.mul(meanCrossEntropy(batch.labels, logits), indices.length);
        return [tf.add(correct, hits), tf.add(lossSum, loss)];
      });
      tf.dispose([correct, lossSum, batch.images, batch.labels]);
      correct = nextCorrect as tf.Scalar;
      lossSum = nextLoss as tf.Scalar;
    }
    const [hits, loss] = await Promise.all([correct.data(), lossSum.data()]);
    tf.dispose([correct, lossSum]);
    const count = Math.max(1, this.test.count);
    return { accuracy: hits[0] / count, loss: loss[0] / count, count: this.test.count };
  }

  /** Applies the pruning rule to every factorised layer now. */
  async pruneNow(): Promise<PruneEvent[]> {
    const { pruneRule, pruneThreshold, energyEpsilon, minRank } = this.config;
    const rule =
      pruneRule === 'relative'
        ? { kind: 'relative' as const, threshold: pruneThreshold }
        : { kind: 'energy' as const, epsilon: energyEpsilon };
    const events: PruneEvent[] = [];
    for (const layer of this.layers) {
      const keep = directionsToKeep(await layer.s.data(), rule, Math.min(minRank, rankOf(layer)));
      const event = pruneLayer(layer, keep, this.optimiser);
      if (event.newRank < event.oldRank) {
        if (this.config.reorthonormalise) reorthonormalise(layer, this.optimiser);
        events.push({ ...event, layer: this.relativeName(event.layer) });
      }
    }
    return events;
  }

  async spectra(): Promise<LayerSpectrum[]> {
    return Promise.all(
      this.layers.map(async (layer) => {
        const values = Float32Array.from(await layer.s.data(), Math.abs)
          .sort()
          .reverse();
        const { rows, cols } = matrixShape(layer);
        return {
          name: this.relativeName(layer.name),
          rank: rankOf(layer),
          fullRank: Math.min(rows, cols),
          breakEvenRank: breakEvenRank(layer),
          singularValues: values,
        };
      }),
    );
  }

  accounting(): ModelAccounting {
    const { shapes, fixed } = accountingInputs(this.model);
    return accountModel(shapes, fixed);
  }

  /** Call after the step that ended an epoch: prunes on schedule, evaluates, reports. */
  async endEpoch(): Promise<EpochReport> {
    const pruneEvents = this.takePruneLog();
    if (isPruneEpoch(this.config, this.epoch)) pruneEvents.push(...(await this.pruneNow()));
    const test = await this.evaluate();
    const accounting = this.accounting();
    this.resetStepTiming();
    return {
      epoch: this.epoch,
      step: this.step,
      test,
      pruneEvents,
      accounting,
      paramsKept: accounting.deployable.params / accounting.dense.params,
      macsKept: accounting.deployable.macs / accounting.dense.macs,
      compressionRatio: accounting.dense.params / accounting.deployable.params,
      spectra: await this.spectra(),
    };
  }

  async checkpoint(): Promise<Checkpoint> {
    const variables = await Promise.all(
      allVariables(this.model).map(async (v) => ({
        name: this.relativeName(v.name),
        shape: [...v.shape],
        // a copy: on the cpu backend data() can be the tensor's own storage
        values: Float32Array.from(await v.data()),
      })),
    );
    const optimiser = await this.optimiser.snapshot();
    optimiser.slots = optimiser.slots.map((slot) => ({
      ...slot,
      variable: this.relativeName(slot.variable),
    }));
    return {
      version: 1,
      config: { ...this.config },
      options: { ...this.options },
      step: this.step,
      cursor: this.sampler.save(),
      augmentationState: this.augmentationRandom.state,
      variables,
      optimiser,
    };
  }

  /** A trainer in exactly the saved state: the run continues as if never interrupted. */
  static restore(dataset: ImageDataset, checkpoint: Checkpoint): Trainer {
    if (checkpoint.version !== 1)
      throw new Error(`unsupported checkpoint version ${checkpoint.version}`);
    const trainer = new Trainer(dataset, { ...checkpoint.config, maxRank: 0 }, checkpoint.options);
    trainer.config = { ...checkpoint.config };
    const saved = new Map(checkpoint.variables.map((v) => [v.name, v]));
    const prefix = trainer.model.prefix;
    const take = (variable: tf.Variable): tf.Variable => {
      const entry = saved.get(trainer.relativeName(variable.name));
      if (!entry)
        throw new Error(`checkpoint has no value for ${trainer.relativeName(variable.name)}`);
      const values = tf.tensor(entry.values, entry.shape);
      if (entry.shape.join() === variable.shape.join()) {
        variable.assign(values);
        values.dispose();
        return variable;
      }
      const name = variable.name;
      variable.dispose();
      return adoptAsVariable(values, name, variable.trainable);
    };
    for (const layer of trainer.layers) {
      layer.U = take(layer.U);
      layer.s = take(layer.s);
      layer.V = take(layer.V);
    }
    const factorised = new Set(trainer.layers.flatMap((l) => [l.U.name, l.s.name, l.V.name]));
    for (const variable of allVariables(trainer.model))
      if (!factorised.has(variable.name)) take(variable);
    trainer.optimiser.restore({
      ...checkpoint.optimiser,
      slots: checkpoint.optimiser.slots.map((slot) => ({
        ...slot,
        variable: `${prefix}/${slot.variable}`,
      })),
    });
    trainer.step = checkpoint.step;
    trainer.sampler.restore(checkpoint.cursor);
    trainer.augmentationRandom.state = checkpoint.augmentationState;
    return trainer;
  }

  dispose(): void {
    tf.dispose(this.pending.flatMap((p) => p.tensors));
    this.pending = [];
    this.optimiser.dispose();
    disposeModel(this.model);
  }
}
