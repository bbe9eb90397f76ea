// Schedules over the run (docs/method.md, "Schedules"). Every schedule is a function of the
// run's progress, a fraction in [0, 1] (images seen / images in the run), so a 60-step demo and a
// 64,000-step paper run follow the same shape; `stepsOf` turns fractions into steps for display.
import type { TrainConfig } from '../config';

/** Learning-rate decay points as fractions of the run, and the factor at each. */
export const STEP_DECAY = { fractions: [0.5, 0.75], factor: 0.1 } as const;

export function learningRateAt(config: TrainConfig, progress: number): number {
  const { learningRate, warmupFraction, schedule } = config;
  const warmup = warmupFraction > 0 ? Math.min(1, (progress + 1e-9) / warmupFraction) : 1;
  const clamped = Math.min(1, Math.max(0, progress));
  const decay =
    schedule === 'cosine'
      ? 0.5 * (1 + Math.cos(Math.PI * clamped))
      : STEP_DECAY.fractions.reduce((f, at) => (clamped >= at ? f * STEP_DECAY.factor : f), 1);
  return learningRate * warmup * decay;
}

/** lambda_r rises linearly from 0 over the first `rankRampFraction` of the run. */
export function lambdaRankAt(config: TrainConfig, progress: number): number {
  if (config.rankRampFraction <= 0) return config.lambdaRank;
  return config.lambdaRank * Math.min(1, Math.max(0, progress) / config.rankRampFraction);
}

/**
 * The fraction of the run where pruning stops: `pruneEnd`, and never later than the first
 * learning-rate decay of a step schedule (after it the low-rate phase is the fine-tune).
 */
export function pruneEndFraction(config: Pick<TrainConfig, 'schedule' | 'pruneEnd'>): number {
  return config.schedule === 'step'
    ? Math.min(config.pruneEnd, STEP_DECAY.fractions[0])
    : config.pruneEnd;
}

/** A fraction of the run in whole steps (at least one step for any positive fraction). */
export function stepsOf(fraction: number, runSteps: number): number {
  return fraction <= 0 ? 0 : Math.max(1, Math.round(fraction * runSteps));
}
