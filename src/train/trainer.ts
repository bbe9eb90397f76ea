// The training engine shared by the worker, the CLI and the benchmarks: builds the model, runs
// steps (CE + lambda_o orth + lambda_r(t) rank), prunes on schedule, evaluates, reports spectra
// and accounting, takes live hyper-parameter changes, and checkpoints its whole state.
import {
  checkSameDataset,
  loadVariables,
  relativeName,
  variablesOf,
  type Checkpoint,
  type DatasetIdentity,
  type TrainerOptions,
} from './trainerState';
import * as tf from '@tensorflow/tfjs';
import { configProblems, type TrainConfig } from '../config';
import {
  CHANNELS,
  channelStats,
  fingerprint,
  type ChannelStats,
  type ImageDataset,
  type Split,
} from '../data/dataset';
import { limitSplit, resizeSplit } from '../data/resize';
import { EpochSampler, makeBatch, randomAugmentation } from '../data/batches';
import { Random } from '../lowrank/random';
import { accountModel, sizeKept, type ModelAccounting } from '../lowrank/accounting';
import { breakEvenRank, matrixShape, rankOf, type FactorisedLayer } from '../lowrank/factorised';
import { Optimiser, type OptimiserSettings } from '../lowrank/optimisers';
import type { PruneEvent } from '../lowrank/pruning';
import { regularisation } from '../lowrank/regularisers';
import {
  accountingInputs,
  disposeModel,
  factorisedLayers,
  forward,
  trainableParams,
  type Model,
} from '../model/resnet';
import { buildModel, buildModelAsync, modelConfigFor } from '../model/resnetBuild';
import type { PruningPolicy } from '../lowrank/pruningPolicy';
import { Pruner } from './pruner';
import type { EpochReport, LayerSpectrum, StepMetrics } from './reports';
import { lambdaRankAt, learningRateAt, stepsOf } from '../lowrank/schedules';
import { evaluateSplit, meanCrossEntropy, type EvaluationResult } from './evaluation';
import { trainStep } from '../lowrank/step';

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
  /** the policy's pruning carried out on the layers, with fading and the prune-event log */
  private readonly pruner: Pruner;

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
    this.model = model ?? buildModel(modelConfigFor(config, dataset.classNames.length));
    this.optimiser = new Optimiser(this.optimiserSettings());
    this.pruner = new Pruner(this.model, this.optimiser, dataset.classNames.length);
  }

  /** when and how much to prune (window, loss gate, floors, cap, target size) */
  get pruningPolicy(): PruningPolicy {
    return this.pruner.policy;
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
    const model = await buildModelAsync(modelConfigFor(config, dataset.classNames.length), build);
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

  get layers(): FactorisedLayer[] {
    return factorisedLayers(this.model);
  }

  /**
   * Changes knobs of a running job (validated where they entered: config.ts validateLiveChange);
   * they take effect at the next step.
   */
  async setHyperparameters(partial: Partial<TrainConfig>): Promise<void> {
    const next = { ...this.config, ...partial };
    const problems = configProblems(next);
    if (problems.length) throw new Error(problems.join('; '));
    this.config = next;
    await this.pruner.enforce(this.config);
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
    this.pruner.fade(stepsOf(this.config.pruneInterval, this.config.epochs * this.stepsPerEpoch));
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
  pruneIfDue(): Promise<PruneEvent[]> {
    return this.pruner.ifDue(this.config, this.progress);
  }

  /** Prune events not yet reported live (by pruneIfDue, a lowered rank cap or target, Prune now). */
  takePruneLog(): PruneEvent[] {
    return this.pruner.takeLog();
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

  /** Holds factorised layer i at rank `ranks[i]` (accounting order) from now on. */
  holdRanks(ranks: readonly number[]): Promise<void> {
    return this.pruner.hold(ranks, this.config);
  }

  /** Applies the pruning rule to every factorised layer now. */
  pruneNow(): Promise<PruneEvent[]> {
    return this.pruner.now(this.config);
  }

  async spectra(): Promise<LayerSpectrum[]> {
    return Promise.all(
      this.layers.map(async (layer, l) => {
        const values = Float32Array.from(await layer.s.data(), Math.abs)
          .sort()
          .reverse();
        const { rows, cols } = matrixShape(layer);
        return {
          name: relativeName(this.model, layer.name),
          rank: rankOf(layer),
          fullRank: Math.min(rows, cols),
          breakEvenRank: breakEvenRank(layer),
          fading: this.pruner.fadingIn(l),
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
    const pruneEvents = this.pruner.takeEpochEvents();
    const test = await this.evaluate();
    const accounting = this.accounting();
    this.resetStepTiming();
    return {
      epoch: this.epoch,
      step: this.step,
      pruningWindow: this.pruningPolicy.window(this.config, this.progress),
      test,
      pruneEvents,
      accounting,
      size: sizeKept(accounting),
      spectra: await this.spectra(),
    };
  }

  async checkpoint(): Promise<Checkpoint> {
    const variables = await variablesOf(this.model);
    const optimiser = await this.optimiser.snapshot();
    optimiser.slots = optimiser.slots.map((slot) => ({
      ...slot,
      variable: relativeName(this.model, slot.variable),
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
      classNames: this.dataset.classNames,
      ...(this.dataset.folder ? { folder: this.dataset.folder } : {}),
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
    if (checkpoint.dataset) checkSameDataset(checkpoint.dataset, this.datasetIdentity());
    this.config = { ...checkpoint.config };
    loadVariables(this.model, checkpoint.variables);
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
    this.pruner.restore(checkpoint.pruningPolicy);
  }

  dispose(): void {
    this.pruner.dispose();
    tf.dispose(this.pending.flatMap((p) => p.tensors));
    this.pending = [];
    this.optimiser.dispose();
    disposeModel(this.model);
  }
}
