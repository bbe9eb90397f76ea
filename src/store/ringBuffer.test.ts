import { describe, expect, it } from 'vitest';
import { appendBounded } from './ringBuffer';

describe('appendBounded', () => {
  it('keeps everything under capacity', () => {
    expect(appendBounded([1, 2], [3], 5)).toEqual([1, 2, 3]);
  });
  it('halves the resolution when full, keeping the newest point', () => {
    const history = appendBounded(
      [],
      Array.from({ length: 10 }, (_, i) => i),
      8,
    );
    expect(history.length).toBeLessThanOrEqual(8);
    expect(history.at(-1)).toBe(9);
    expect(history).toEqual([...history].sort((a, b) => a - b));
  });
});
