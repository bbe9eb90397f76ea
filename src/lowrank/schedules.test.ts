import { describe, expect, it } from 'vitest';
import { presetConfig } from '../presets';
import { lambdaRankAt, learningRateAt, pruneEndFraction, stepsOf } from './schedules';

describe('schedules in fractions of the run', () => {
  const config = presetConfig('paper-recipe', { warmupFraction: 0, rankRampFraction: 0.05 });

  it('step decay x0.1 at 50% and 75%, cosine to 0, linear warm-up', () => {
    expect(learningRateAt(config, 0)).toBeCloseTo(0.1);
    expect(learningRateAt(config, 0.5)).toBeCloseTo(0.01);
    expect(learningRateAt(config, 0.75)).toBeCloseTo(0.001);
    expect(learningRateAt({ ...config, schedule: 'cosine' }, 0.5)).toBeCloseTo(0.05);
    expect(learningRateAt({ ...config, warmupFraction: 0.02 }, 0.01)).toBeCloseTo(0.05);
  });

  it('lambda_r ramps over its fraction; pruning ends at the first decay of a step schedule', () => {
    expect(lambdaRankAt(config, 0.025)).toBeCloseTo(config.lambdaRank / 2);
    expect(lambdaRankAt(config, 0.5)).toBeCloseTo(config.lambdaRank);
    expect(pruneEndFraction({ schedule: 'step', pruneEnd: 0.7 })).toBe(0.5);
    expect(pruneEndFraction({ schedule: 'step', pruneEnd: 0.3 })).toBe(0.3);
    expect(pruneEndFraction({ schedule: 'cosine', pruneEnd: 0.7 })).toBe(0.7);
  });

  it('the same fraction is the same share of a 60-step demo and a 64,000-step run', () => {
    expect(stepsOf(0.02, 60)).toBe(1);
    expect(stepsOf(0.02, 64_000)).toBe(1280);
    expect(stepsOf(0.1, 600) / 600).toBeCloseTo(stepsOf(0.1, 64_000) / 64_000);
    expect(stepsOf(0, 600)).toBe(0);
    expect(stepsOf(0.001, 60)).toBe(1);
  });
});
