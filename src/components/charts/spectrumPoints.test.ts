import { describe, expect, it } from 'vitest';
import { pruneCut, spectrumPoints } from './spectrumPoints';

const config = {
  pruneRule: 'relative',
  pruneThreshold: 0.1,
  energyEpsilon: 0.05,
  targetParamsKept: 0,
} as const;

describe('spectrum points', () => {
  it('splits directions at tau * max and marks pruned slots up to the full rank', () => {
    const points = spectrumPoints(Float32Array.of(10, 2, 0.5), 5, config);
    expect(points.cut).toBeCloseTo(1);
    expect(points.kept.map((p) => p.index)).toEqual([1, 2]);
    expect(points.atRisk.map((p) => p.index)).toEqual([3]);
    expect(points.pruned.map((p) => p.index)).toEqual([4, 5]);
    expect(points.pruned[0].value).toBe(points.floor);
    expect(points.floor).toBeGreaterThan(0);
  });

  it('the energy rule cuts at the last direction needed for 1 - eps of the energy', () => {
    // energies 16, 9, 1: 95% of 26 = 24.7 needs 16 + 9 -> cut at 3
    expect(pruneCut(Float32Array.of(4, 3, 1), { ...config, pruneRule: 'energy' })).toBe(3);
  });
});

describe('spectrum points with a target size', () => {
  it('marks the fading (smallest) directions as going next, with no cut line', () => {
    const points = spectrumPoints(
      Float32Array.of(10, 2, 0.5, 0.01),
      6,
      {
        ...config,
        targetParamsKept: 50,
      },
      2,
    );
    expect(points.cut).toBe(0);
    expect(points.kept.map((p) => p.index)).toEqual([1, 2]);
    expect(points.atRisk.map((p) => p.index)).toEqual([3, 4]);
    expect(points.pruned.map((p) => p.index)).toEqual([5, 6]);
  });
});
