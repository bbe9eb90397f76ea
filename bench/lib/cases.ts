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
  stepMs: number;
  imagesPerSecond: number;
}

export interface InferenceResult {
  backend: string;
  variant: Variant;
  batchSize: number;
  compressedMs: number;
  denseMs: number;
  speedup: number;
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

/** Median step time over `steps` timed steps after `warmup` untimed ones (each step synced). */
export async function timeTraining(
  variant: Variant,
  batchSize: number,
  options: { warmup: number; steps: number },
): Promise<TrainingResult> {
  const trainer = await benchTrainer(variant, batchSize, options.warmup + options.steps);
  try {
    const times: number[] = [];
    for (let i = 0; i < options.warmup + options.steps; i++) {
      const started = performance.now();
      trainer.trainStep();
      await trainer.readStepMetrics();
      if (i >= options.warmup) times.push(performance.now() - started);
    }
    const stepMs = times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
    return {
      backend: tf.getBackend(),
      variant,
      batchSize,
      steps: options.steps,
      stepMs,
      imagesPerSecond: (1000 * batchSize) / stepMs,
    };
  } finally {
    trainer.dispose();
  }
}

export async function timeCompressedInference(
  variant: Variant,
  batchSize: number,
  runs: number,
): Promise<InferenceResult> {
  const trainer = await benchTrainer(variant, batchSize, 0);
  try {
    const timing = await timeInference(trainer, { batchSize, runs });
    return {
      backend: timing.backend,
      variant,
      batchSize,
      compressedMs: timing.exportedMs,
      denseMs: timing.denseMs,
      speedup: timing.speedup,
      macsRatio: timing.macsRatio,
    };
  } finally {
    trainer.dispose();
  }
}
