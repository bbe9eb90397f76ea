import { describe, expect, it } from 'vitest';
import { topClasses } from './topClasses';

describe('topClasses', () => {
  it('gives the three likeliest classes, best first, with their names', () => {
    const names = ['cat', 'dog', 'bird', 'fish'];
    expect(topClasses([0.1, 0.5, 0.15, 0.25], names)).toEqual([
      { label: 1, name: 'dog', probability: 0.5 },
      { label: 3, name: 'fish', probability: 0.25 },
      { label: 2, name: 'bird', probability: 0.15 },
    ]);
  });

  it('breaks ties by class index, ranks NaN last, and names classes it has no name for', () => {
    const ranked = topClasses(Float32Array.of(Number.NaN, 0.4, 0.4, 0.2), ['a', 'b'], 4);
    expect(ranked.map((g) => g.label)).toEqual([1, 2, 3, 0]);
    expect(ranked.map((g) => g.name)).toEqual(['b', 'class 2', 'class 3', 'a']);
  });

  it('gives every class when there are fewer than asked for', () => {
    expect(topClasses([0.3, 0.7], ['no', 'yes'])).toHaveLength(2);
  });
});
