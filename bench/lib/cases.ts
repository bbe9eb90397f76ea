// The measurements of the benchmark suite, shared by Node and the browser page: a ResNet-20
// training step (dense, or factorised at full / 50% / 25% rank) and inference of the exported
// compressed model against its dense equivalent. Everything runs through the product's Trainer.
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_CONFIG, type TrainConfig } from '../../src/config';
import { generateBuiltin } from '../../src/data/builtin';
import { breakEvenRank, rankOf } from '../../src/lowrank/factorised';
import { pruneLayer, strongestDirections } from '../../src/lowrank/pruning';
import { timeInference } from '../../src/train/exporter';
import { Trainer } from '../../src/train/trainer';
import { median } from '../../src/stats';

/** dense baseline; factorised at a fraction of each layer's full rank; or at half its MACs. */
export type Variant = 'dense' | 'full' | 'rank50' | 'rank25' | 'macs50';

export const TRAINING_VARIANTS: readonly Variant[] = ['dense', 'full', 'rank50', 'rank25'];
export const INFERENCE_VARIANTS: readonly Variant[] = ['full', 'rank50', 'rank25', 'macs50'];

export const VARIANT_LABELS: Record<Variant, string> = {
  dense: 'dense',
  full: 'factorised, full rank',
  rank50: 'factorised, 50% rank',
  rank25: 'factorised, 25% rank',
  macs50: 'factorised, ~50% MACs',
};

export interface TrainingResult {
  backend: string;
  variant: Variant;
  batchSize: number;
  steps: number;
  /** the median of samplesMs */
  stepMs: number;
  imagesPerSecond: number;
  /**
   * one timed step a round; the variants measured together share rounds, so samplesMs[i] of two
   * of them were timed back to back and their ratio is a sample of the ratio
   */
  samplesMs: number[];
}

export interface InferenceResult {
  backend: string;
  variant: Variant;
  batchSize: number;
  compressedMs: number;
  denseMs: number;
  /** the median of speedupSamples */
  speedup: number;
  /** dense ms / compressed ms of each repeat (each the median of its interleaved runs) */
  speedupSamples: number[];
  /** dense MACs / compressed MACs */
  macsRatio: number;
}

function benchConfig(variant: Variant, batchSize: number): TrainConfig {
  return {
    ...DEFAULT_CONFIG,
    architecture: 'resnet20',
    widthMultiplier: 1,
    inputSize: 32,
    batchSize,
    mode: variant === 'dense' ? 'dense' : 'lowrank',
    augment: true,
  };
}

/** Rank each layer keeps in a variant (full rank for 'full'). */
function targetRank(variant: Variant, fullRank: number, breakEven: number): number {
  switch (variant) {
    case 'rank50':
      return Math.max(1, Math.floor(fullRank / 2));
    case 'rank25':
      return Math.max(1, Math.floor(fullRank / 4));
    case 'macs50':
      // the factorised form costs r/breakEven of the dense MACs
      return Math.max(1, Math.min(fullRank, Math.round(breakEven / 2)));
    default:
      return fullRank;
  }
}

/** A trainer for the variant on the built-in data, ranks already cut to the variant's. */
export async function benchTrainer(
  variant: Variant,
  batchSize: number,
  steps: number,
): Promise<Trainer> {
  const dataset = generateBuiltin({ trainCount: batchSize * (steps + 2), testCount: 32, size: 32 });
  const trainer = new Trainer(dataset, benchConfig(variant, batchSize));
  for (const layer of trainer.layers) {
    const fullRank = rankOf(layer);
    const keep = targetRank(variant, fullRank, breakEvenRank(layer));
    if (keep >= fullRank) continue;
    pruneLayer(layer, strongestDirections(await layer.s.data(), keep), trainer.optimiser);
  }
  return trainer;
}

export interface RoundOptions {
  warmup: number;
  /** rounds: each times one step of every variant, in an order that turns each round */
  steps: number;
  /** no round starts after this time (performance.now()); the first always runs */
  deadline?: number;
}

/**
 * Step times of several variants at one batch size, interleaved: after `warmup` untimed steps
 * each, every round times one synced step of each variant, so a drift of the machine's speed
 * reaches all of them alike and their ratios can be taken round by round.
 */
export async function timeTrainingRounds(
  variants: readonly Variant[],
  batchSize: number,
  options: RoundOptions,
): Promise<TrainingResult[]> {
  const trainers: Trainer[] = [];
  try {
    for (const variant of variants)
      trainers.push(await benchTrainer(variant, batchSize, options.warmup + options.steps));
    const timeStep = async (trainer: Trainer) => {
      const started = performance.now();
      trainer.trainStep();
      await trainer.readStepMetrics();
      return performance.now() - started;
    };
    for (const trainer of trainers) for (let i = 0; i < options.warmup; i++) await timeStep(trainer);
    const samples = variants.map((): number[] => []);
    for (let round = 0; round < options.steps; round++) {
      if (round > 0 && options.deadline !== undefined && performance.now() > options.deadline) break;
      for (let k = 0; k < trainers.length; k++) {
        const v = (round + k) % trainers.length;
        samples[v].push(await timeStep(trainers[v]));
      }
    }
    return variants.map((variant, v) => {
      const stepMs = median(samples[v]);
      return {
        backend: tf.getBackend(),
        variant,
        batchSize,
        steps: samples[v].length,
        stepMs,
        imagesPerSecond: (1000 * batchSize) / stepMs,
        samplesMs: samples[v],
      };
    });
  } finally {
    trainers.forEach((trainer) => trainer.dispose());
  }
}

/** The exported model against its dense equivalent, `repeats` times over `runs` runs each. */
export async function timeCompressedInference(
  variant: Variant,
  batchSize: number,
  runs: number,
  repeats: number,
): Promise<InferenceResult> {
  const trainer = await benchTrainer(variant, batchSize, 0);
  try {
    const timings = [];
    for (let i = 0; i < repeats; i++) timings.push(await timeInference(trainer, { batchSize, runs }));
    const speedupSamples = timings.map((t) => t.speedup);
    return {
      backend: timings[0].backend,
      variant,
      batchSize,
      compressedMs: median(timings.map((t) => t.exportedMs)),
      denseMs: median(timings.map((t) => t.denseMs)),
      speedup: median(speedupSamples),
      speedupSamples,
      macsRatio: timings[0].macsRatio,
    };
  } finally {
    trainer.dispose();
  }
}
