// The training engine shared by the worker, the CLI and the benchmarks: builds the model, runs
// steps (CE + lambda_o orth + lambda_r(t) rank), prunes on schedule, evaluates, reports spectra
// and accounting, takes live hyper-parameter changes, and checkpoints its whole state.
import * as tf from '@tensorflow/tfjs';
import {
  configProblems,
  LIVE_KNOBS,
  validateConfig,
  type KnobName,
  type TrainConfig,
} from '../config';
import {
  CHANNELS,
  channelStats,
  fingerprint,
  type ChannelStats,
  type ImageDataset,
  type Split,
} from '../data/dataset';
import { limitSplit, resizeSplit } from '../data/resize';
import { EpochSampler, makeBatch, randomAugmentation, type EpochCursor } from '../data/batches';
import { Random } from '../lowrank/random';
import { accountModel, sizeKept, type ModelAccounting, type SizeKept } from '../lowrank/accounting';
import { breakEvenRank, matrixShape, rankOf, type FactorisedLayer } from '../lowrank/factorised';
import { Optimiser, type OptimiserSettings, type OptimiserSnapshot } from '../lowrank/optimisers';
import {
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
  buildModelAsync,
  disposeModel,
  factorisedLayers,
  forward,
  trainableParams,
  type Model,
  type ModelConfig,
} from '../model/resnet';
import { PruningPolicy, type PolicyModel, type PolicyState, type PrunePlan } from './pruningPolicy';
import { lambdaRankAt, learningRateAt, stepsOf } from './schedules';
import { evaluateSplit, meanCrossEntropy, type EvaluationResult } from './evaluation';
import { Fading } from './fading';
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
  /** directions fading until the next prune event cuts them (the smallest |s|) */
  fading: number;
  /** |s| sorted in descending order */
  singularValues: Float32Array;
}

export interface EpochReport {
  epoch: number;
  step: number;
  test: EvaluationResult;
  pruneEvents: PruneEvent[];
  accounting: ModelAccounting;
  size: SizeKept;
  spectra: LayerSpectrum[];
}

export interface TrainerOptions {
  /** use only the first K training / test examples */
  trainLimit?: number;
  testLimit?: number;
}

export interface Checkpoint {
  version: 2;
  config: TrainConfig;
  options: TrainerOptions;
  step: number;
  cursor: EpochCursor;
  augmentationState: number;
  variables: { name: string; shape: number[]; values: Float32Array }[];
  optimiser: OptimiserSnapshot;
  pruningPolicy: PolicyState;
  /** the dataset it was trained on, to refuse a restore on another one */
  dataset?: DatasetIdentity;
}

/** What identifies a dataset exactly: its name and the FNV-1a fingerprint of each split. */
export interface DatasetIdentity {
  name: string;
  fingerprint: { train: string; test: string };
}

/** The network a configuration asks for, on a dataset's classes. */
function modelConfig(config: TrainConfig, dataset: ImageDataset): ModelConfig {
  return {
    architecture: config.architecture,
    mode: config.mode,
    widthMultiplier: config.widthMultiplier,
    inputSize: config.inputSize,
    classes: dataset.classNames.length,
    seed: config.seed,
    maxRank: config.mode === 'lowrank' ? config.maxRank : 0,
  };
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
  /** when and how much to prune (window, loss gate, floors, cap, target size) */
  readonly pruningPolicy = new PruningPolicy();
  /** prune events not yet taken by the live view (takePruneLog) */
  private pruneLog: PruneEvent[] = [];
  /** prune events since the last epoch report */
  private epochPruneEvents: PruneEvent[] = [];
  /** the directions shrinking towards the next prune event's cut */
  private readonly fading = new Fading();

  /** `model`: one built beforehand (see create), else it is built here, in one go. */
  constructor(
    readonly dataset: ImageDataset,
    config: TrainConfig,
    readonly options: TrainerOptions = {},
    model?: Model,
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
    this.model = model ?? buildModel(modelConfig(config, dataset));
    this.optimiser = new Optimiser(this.optimiserSettings());
  }

  /**
   * A trainer whose network is built a block at a time, letting other work (a Cancel) run in
   * between; throws BuildCancelled, having freed what it made, when `build.cancelled()` says so.
   */
  static async create(
    dataset: ImageDataset,
    config: TrainConfig,
    options: TrainerOptions,
    build: Parameters<typeof buildModelAsync>[1],
  ): Promise<Trainer> {
    const model = await buildModelAsync(modelConfig(config, dataset), build);
    try {
      return new Trainer(dataset, config, options, model);
    } catch (error) {
      disposeModel(model);
      throw error;
    }
  }

  private optimiserSettings(
    learningRate = learningRateAt(this.config, this.progress),
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

  /** Fraction of the run done: the clock of every schedule. */
  get progress(): number {
    return this.epochPosition / this.config.epochs;
  }

  /** Steps in the whole run at the current batch size. */
  get runSteps(): number {
    return this.config.epochs * this.stepsPerEpoch;
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
    const next = { ...this.config, ...validateConfig(partial) };
    const problems = configProblems(next);
    if (problems.length) throw new Error(problems.join('; '));
    this.config = next;
    await this.applyMaxRank();
    await this.applyPlan(this.pruningPolicy.enforceTarget(this.config, await this.policyModel()));
  }

  private relativeName(name: string): string {
    return name.slice(this.model.prefix.length + 1);
  }

  private async applyMaxRank(): Promise<void> {
    const cap = this.config.maxRank;
    if (this.config.mode !== 'lowrank' || cap <= 0) return;
    if (this.layers.every((l) => rankOf(l) <= cap)) return;
    const keep = await Promise.all(
      this.layers.map(async (layer) =>
        rankOf(layer) <= cap
          ? Array.from({ length: rankOf(layer) }, (_, i) => i)
          : strongestDirections(await layer.s.data(), cap),
      ),
    );
    await this.applyPlan({ keep, fade: this.pruningPolicy.remapFading(keep) });
  }

  private record(events: PruneEvent[]): PruneEvent[] {
    const relative = events.map((event) => ({ ...event, layer: this.relativeName(event.layer) }));
    this.pruneLog.push(...relative);
    this.epochPruneEvents.push(...relative);
    return relative;
  }

  /** The factorised layers as the pruning policy sees them (reads every |s| back). */
  private async policyModel(): Promise<PolicyModel> {
    const { shapes, fixed } = accountingInputs(this.model);
    const values = await Promise.all(this.layers.map((layer) => layer.s.data()));
    return {
      layers: shapes.map((shape, i) => ({ shape, singularValues: values[i] })),
      fixed,
      denseParams: accountModel(shapes, fixed).dense.params,
      classes: this.dataset.classNames.length,
    };
  }

  /**
   * Keeps directions `plan.keep[i]` of layer i, then starts fading `plan.fade[i]` (a factor is
   * multiplied into those s after every step, until the next event cuts them).
   */
  private async applyPlan(plan: PrunePlan | null): Promise<PruneEvent[]> {
    if (!plan) return [];
    const events: PruneEvent[] = [];
    this.layers.forEach((layer, i) => {
      if (plan.keep[i].length >= rankOf(layer)) return;
      events.push(pruneLayer(layer, plan.keep[i], this.optimiser));
      if (this.config.reorthonormalise) reorthonormalise(layer, this.optimiser);
    });
    this.fading.set(this.layers, plan.fade);
    return this.record(events);
  }

  /** One training step; metrics stay on the backend until readStepMetrics. */
  trainStep(): { endOfEpoch: boolean } {
    const progress = this.progress;
    const learningRate = learningRateAt(this.config, progress);
    // once the pruning window has closed the architecture is frozen: the rank term has no cut
    // left to prepare and would only fight the cross-entropy
    const lambdaRank = this.pruningPolicy.state.closed ? 0 : lambdaRankAt(this.config, progress);
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
    this.fading.apply(this.layers, stepsOf(this.config.pruneInterval, this.runSteps));
    this.step++;
    this.pending.push({
      metrics: { step: this.step, epoch, learningRate, lambdaRank, batchSize: indices.length },
      tensors: [losses.crossEntropy, losses.orth, losses.rank, losses.total, metrics.correct],
    });
    return { endOfEpoch };
  }

  /**
   * Call after each step: prunes when the policy's schedule says so (the window, the loss gate, the
   * spacing of events). Returns the events, also kept for takePruneLog and the epoch report.
   */
  async pruneIfDue(): Promise<PruneEvent[]> {
    const progress = this.progress;
    if (!this.pruningPolicy.due(this.config, progress)) return [];
    const model = await this.policyModel();
    // a diverged network has no spectrum to cut by; its caller stops the run
    if (model.layers.some((l) => Array.from(l.singularValues).some((s) => !Number.isFinite(s))))
      return [];
    return this.applyPlan(this.pruningPolicy.plan(this.config, model, progress));
  }

  /** Prune events not yet reported live (by pruneIfDue, a lowered rank cap or target, Prune now). */
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
      // the pruning policy's loss gate watches the train loss as it is read back
      this.pruningPolicy.observeLoss(crossEntropy);
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

  /**
   * Test accuracy and mean cross-entropy in eval mode (running BN statistics): on the whole test
   * split, or on its first `limit` images, a fixed slice that is quick to evaluate mid-epoch.
   */
  async evaluate(limit?: number): Promise<EvaluationResult> {
    const imageBytes = this.config.inputSize * this.config.inputSize * CHANNELS;
    const split = limitSplit(this.test, limit, imageBytes);
    return evaluateSplit(this.model, split, this.config.inputSize, this.stats);
  }

  /** Applies the pruning rule to every factorised layer now. */
  async pruneNow(): Promise<PruneEvent[]> {
    return this.applyPlan(this.pruningPolicy.manual(this.config, await this.policyModel()));
  }

  async spectra(): Promise<LayerSpectrum[]> {
    return Promise.all(
      this.layers.map(async (layer, l) => {
        const values = Float32Array.from(await layer.s.data(), Math.abs)
          .sort()
          .reverse();
        const { rows, cols } = matrixShape(layer);
        return {
          name: this.relativeName(layer.name),
          rank: rankOf(layer),
          fullRank: Math.min(rows, cols),
          breakEvenRank: breakEvenRank(layer),
          fading: this.pruningPolicy.state.fading[l]?.length ?? 0,
          singularValues: values,
        };
      }),
    );
  }

  accounting(): ModelAccounting {
    const { shapes, fixed } = accountingInputs(this.model);
    return accountModel(shapes, fixed);
  }

  /** Call after the step that ended an epoch: evaluates and reports the epoch. */
  async endEpoch(): Promise<EpochReport> {
    const pruneEvents = this.epochPruneEvents;
    this.epochPruneEvents = [];
    const test = await this.evaluate();
    const accounting = this.accounting();
    this.resetStepTiming();
    return {
      epoch: this.epoch,
      step: this.step,
      test,
      pruneEvents,
      accounting,
      size: sizeKept(accounting),
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
      version: 2,
      config: { ...this.config },
      options: { ...this.options },
      step: this.step,
      cursor: this.sampler.save(),
      augmentationState: this.augmentationRandom.state,
      variables,
      optimiser,
      pruningPolicy: structuredClone(this.pruningPolicy.state),
      dataset: this.datasetIdentity(),
    };
  }

  private identity: DatasetIdentity | null = null;

  /** The dataset's identity, computed once (a pass over every image). */
  datasetIdentity(): DatasetIdentity {
    this.identity ??= {
      name: this.dataset.name,
      fingerprint: {
        train: fingerprint(this.dataset.train),
        test: fingerprint(this.dataset.test),
      },
    };
    return this.identity;
  }

  /**
   * A trainer in exactly the saved state: the run continues as if never interrupted. Throws,
   * having built nothing that lasts, for a checkpoint of another dataset or architecture.
   */
  static restore(dataset: ImageDataset, checkpoint: Checkpoint): Trainer {
    if (checkpoint.version !== 2)
      throw new Error(`unsupported checkpoint version ${String(checkpoint.version)}`);
    const trainer = new Trainer(dataset, { ...checkpoint.config, maxRank: 0 }, checkpoint.options);
    try {
      trainer.restoreState(checkpoint);
      return trainer;
    } catch (error) {
      trainer.dispose();
      throw error;
    }
  }

  private restoreState(checkpoint: Checkpoint): void {
    const saved = checkpoint.dataset;
    const here = saved ? this.datasetIdentity() : null;
    if (saved && here && JSON.stringify(saved.fingerprint) !== JSON.stringify(here.fingerprint))
      throw new Error(
        `this checkpoint was trained on ${saved.name} (fingerprint ${saved.fingerprint.train}/${saved.fingerprint.test}), not on the loaded ${here.name} (${here.fingerprint.train}/${here.fingerprint.test}): load the dataset it was trained on first`,
      );
    this.config = { ...checkpoint.config };
    const values = new Map(checkpoint.variables.map((v) => [v.name, v]));
    const entryFor = (variable: tf.Variable, shape: readonly number[]) => {
      const name = this.relativeName(variable.name);
      const entry = values.get(name);
      if (!entry)
        throw new Error(`the checkpoint has no value for ${name}: it is of another network`);
      if (entry.shape.join() !== shape.join())
        throw new Error(
          `the checkpoint's ${name} is ${entry.shape.join('x')}, this network's is ${shape.join('x')}: it is of another network`,
        );
      return entry;
    };
    // every shape is checked before any variable changes
    const ranks = this.layers.map((layer) => {
      const rank = values.get(this.relativeName(layer.s.name))?.shape[0] ?? 0;
      const { rows, cols } = matrixShape(layer);
      if (!Number.isInteger(rank) || rank < 1 || rank > Math.min(rows, cols))
        throw new Error(
          `the checkpoint's rank for ${this.relativeName(layer.name)} does not fit this network`,
        );
      entryFor(layer.U, [rows, rank]);
      entryFor(layer.V, [cols, rank]);
      return rank;
    });
    const factorised = new Set(this.layers.flatMap((l) => [l.U.name, l.s.name, l.V.name]));
    const others = allVariables(this.model).filter((v) => !factorised.has(v.name));
    others.forEach((variable) => entryFor(variable, variable.shape));
    const take = (variable: tf.Variable, shape: readonly number[]): tf.Variable => {
      const entry = entryFor(variable, shape);
      const tensor = tf.tensor(entry.values, entry.shape);
      if (entry.shape.join() === variable.shape.join()) {
        variable.assign(tensor);
        tensor.dispose();
        return variable;
      }
      const name = variable.name;
      variable.dispose();
      return adoptAsVariable(tensor, name, variable.trainable);
    };
    this.layers.forEach((layer, i) => {
      const { rows, cols } = matrixShape(layer);
      layer.U = take(layer.U, [rows, ranks[i]]);
      layer.s = take(layer.s, [ranks[i]]);
      layer.V = take(layer.V, [cols, ranks[i]]);
    });
    for (const variable of others) take(variable, variable.shape);
    this.optimiser.restore({
      ...checkpoint.optimiser,
      slots: checkpoint.optimiser.slots.map((slot) => ({
        ...slot,
        variable: `${this.model.prefix}/${slot.variable}`,
      })),
    });
    this.step = checkpoint.step;
    this.sampler.restore(checkpoint.cursor);
    this.augmentationRandom.state = checkpoint.augmentationState;
    this.pruningPolicy.state = structuredClone(checkpoint.pruningPolicy);
    this.fading.set(this.layers, this.pruningPolicy.state.fading);
  }

  dispose(): void {
    this.fading.dispose();
    tf.dispose(this.pending.flatMap((p) => p.tensors));
    this.pending = [];
    this.optimiser.dispose();
    disposeModel(this.model);
  }
}
