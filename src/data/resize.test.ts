import { describe, expect, it } from 'vitest';
import { limitSplit, resizeSplit } from './resize';

describe('fitting a split to the model', () => {
  it('halves an image by averaging 2x2 blocks, per channel', () => {
    const images = Uint8Array.from({ length: 4 * 4 * 3 }, (_, i) =>
      i % 3 === 0 ? 4 * Math.floor(i / 3) : 7,
    );
    const small = resizeSplit({ images, labels: Uint8Array.of(5), count: 1 }, 4, 2);
    // red of pixel (0, 0) averages pixels 0, 1, 4, 5 -> (0 + 4 + 16 + 20) / 4 = 10
    expect(Array.from(small.images.subarray(0, 3))).toEqual([10, 7, 7]);
    expect(small.images.length).toBe(12);
    expect(Array.from(small.labels)).toEqual([5]);
  });

  it('keeps the first K examples, or all of them without a limit', () => {
    const split = {
      images: new Uint8Array(5 * 12),
      labels: Uint8Array.of(0, 1, 2, 3, 4),
      count: 5,
    };
    const first = limitSplit(split, 2, 12);
    expect(first.count).toBe(2);
    expect(Array.from(first.labels)).toEqual([0, 1]);
    expect(first.images.length).toBe(24);
    expect(limitSplit(split, undefined, 12)).toBe(split);
    expect(limitSplit(split, 9, 12)).toBe(split);
  });
});
