import { describe, expect, it } from 'vitest';
import { downsample, rankChanges } from './downsample';

describe('downsampling for drawing', () => {
  it('keeps short histories whole', () => {
    expect(downsample([1, 2, 3], (v) => v, 10)).toEqual([1, 2, 3]);
  });

  it('bounds the points, keeps each bucket’s extremes in order, and ends on the last point', () => {
    const points = Array.from({ length: 10_000 }, (_, i) => ({
      step: i + 1,
      value: i === 5_000 ? 100 : i === 7_000 ? -100 : Math.sin(i / 50),
    }));
    const kept = downsample(points, (p) => p.value, 400);
    expect(kept.length).toBeLessThanOrEqual(400);
    expect(kept.length).toBeGreaterThan(300);
    expect(kept.map((p) => p.value)).toContain(100);
    expect(kept.map((p) => p.value)).toContain(-100);
    kept.slice(1).forEach((p, i) => expect(p.step).toBeGreaterThan(kept[i].step));
    expect(kept.at(-1)!.step).toBe(10_000);
    expect(kept[0].step).toBe(1);
  });

  it('keeps only the rank reports where a rank changed', () => {
    const history = [
      { step: 1, ranks: [4, 8] },
      { step: 50, ranks: [4, 8] },
      { step: 90, ranks: [3, 8] },
      { step: 120, ranks: [3, 8] },
      { step: 150, ranks: [3, 6] },
    ];
    expect(rankChanges(history).map((p) => p.step)).toEqual([1, 90, 150]);
  });
});
