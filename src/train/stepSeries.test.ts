import { describe, expect, it } from 'vitest';
import type { StepSeries } from '../protocol';
import { concatSeries } from './stepSeries';

const batch = (steps: number[]): StepSeries => {
  const f32 = () => Float32Array.from(steps, (s) => s / 10);
  return {
    step: Float64Array.from(steps),
    epoch: f32(),
    crossEntropy: f32(),
    orth: f32(),
    rank: f32(),
    total: f32(),
    trainAccuracy: f32(),
    learningRate: f32(),
    lambdaRank: f32(),
    stepMs: f32(),
  };
};

describe('joining step batches', () => {
  it('keeps every field in order and its array type', () => {
    const joined = concatSeries([batch([1, 2]), batch([3]), batch([4, 5])]);
    expect(Array.from(joined.step)).toEqual([1, 2, 3, 4, 5]);
    expect(joined.step).toBeInstanceOf(Float64Array);
    expect(joined.crossEntropy).toBeInstanceOf(Float32Array);
    expect(Array.from(joined.crossEntropy)).toEqual(
      [0.1, 0.2, 0.3, 0.4, 0.5].map((v) => Math.fround(v)),
    );
  });
});
