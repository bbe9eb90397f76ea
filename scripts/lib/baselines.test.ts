import { describe, expect, it } from 'vitest';
import { presetConfig } from '../../src/presets';
import { denseParams } from '../../src/train/resources';
import { narrowerWidth, rankPlan } from './baselines';

describe('equal-size baselines', () => {
  it('finds the width whose dense network has the params asked, within 2%', () => {
    const config = presetConfig('paper-recipe');
    const full = denseParams(config, 10);
    const { width, params } = narrowerWidth(config, 10, full / 2);
    expect(width).toBeLessThan(1);
    expect(Math.abs(params / (full / 2) - 1)).toBeLessThanOrEqual(0.02);
    expect(denseParams({ ...config, widthMultiplier: width }, 10)).toBe(params);
    expect(() => narrowerWidth(config, 10, 100)).toThrow(/no width of resnet20/);
  });

  it("reads a run's final ranks by layer name, and refuses another network's", () => {
    const run = {
      layers: [
        { name: 'a', finalRank: 3 },
        { name: 'b', finalRank: 2 },
      ],
    } as Parameters<typeof rankPlan>[0];
    expect(rankPlan(run, ['b', 'a'])).toEqual([2, 3]);
    expect(() => rankPlan(run, ['a', 'c'])).toThrow(/another architecture/);
  });
});
