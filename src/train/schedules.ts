// Schedules over the run, as functions of the (fractional) epoch: learning rate with warm-up and
// step or cosine decay, the lambda_r ramp, and the pruning window (algorithm.md §2-4).
import type { TrainConfig } from '../config';

/** Learning-rate decay points as fractions of the run, and the factor at each. */
export const STEP_DECAY = { fractions: [0.5, 0.75], factor: 0.1 } as const;

export function learningRateAt(config: TrainConfig, epoch: number): number {
  const { learningRate, warmupEpochs, epochs, schedule } = config;
  const warmup = warmupEpochs > 0 ? Math.min(1, (epoch + 1e-9) / warmupEpochs) : 1;
  const progress = Math.min(1, epoch / epochs);
  const decay =
    schedule === 'cosine'
      ? 0.5 * (1 + Math.cos(Math.PI * progress))
      : STEP_DECAY.fractions.reduce((f, at) => (progress >= at ? f * STEP_DECAY.factor : f), 1);
  return learningRate * warmup * decay;
}

export function lambdaRankAt(config: TrainConfig, epoch: number): number {
  if (config.rankRampEpochs <= 0) return config.lambdaRank;
  return config.lambdaRank * Math.min(1, epoch / config.rankRampEpochs);
}

/** Whether to prune at the end of `completedEpochs` (1-based): from pruneStart to pruneEnd. */
export function isPruneEpoch(config: TrainConfig, completedEpochs: number): boolean {
  if (!config.pruning || config.mode !== 'lowrank') return false;
  const first = Math.max(1, Math.round(config.pruneStart * config.epochs));
  const last = Math.floor(config.pruneEnd * config.epochs);
  return completedEpochs >= first && completedEpochs <= last;
}
