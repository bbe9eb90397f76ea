import { describe, expect, it } from 'vitest';
import { BUILTIN_CLASSES, generateBuiltin } from './builtin';
import { fingerprint, labelHistogram } from './dataset';

describe('built-in dataset', () => {
  it('is deterministic from its seed and differs between seeds', () => {
    const a = generateBuiltin({ seed: 7, trainCount: 50, testCount: 20, size: 16 });
    const b = generateBuiltin({ seed: 7, trainCount: 50, testCount: 20, size: 16 });
    const c = generateBuiltin({ seed: 8, trainCount: 50, testCount: 20, size: 16 });
    expect(a.train.images).toEqual(b.train.images);
    expect(a.test.labels).toEqual(b.test.labels);
    expect(a.train.images).not.toEqual(c.train.images);
    expect(a.train.images).not.toEqual(a.test.images.subarray(0, a.train.images.length));
  });

  it('draws the same pixels as every earlier version (studies and checkpoints name them)', () => {
    const dataset = generateBuiltin();
    expect([fingerprint(dataset.train), fingerprint(dataset.test)]).toEqual([
      'f4da2390',
      'e7f2cc83',
    ]);
  });

  it('has ten balanced classes at the requested size, with varied pixels', () => {
    const data = generateBuiltin({ seed: 1, trainCount: 200, testCount: 100, size: 16 });
    expect(data.classNames).toEqual([...BUILTIN_CLASSES]);
    expect(data.train.images.length).toBe(200 * 16 * 16 * 3);
    expect(labelHistogram(data.train, 10)).toEqual(new Array(10).fill(20));
    expect(labelHistogram(data.test, 10)).toEqual(new Array(10).fill(10));
    const distinct = new Set(data.train.images.subarray(0, 768));
    expect(distinct.size).toBeGreaterThan(50);
  });

  it('rejects bad sizes with a clear message', () => {
    expect(() => generateBuiltin({ size: 4 })).toThrow(/size must be at least 8/);
    expect(() => generateBuiltin({ trainCount: Number.NaN })).toThrow(
      /trainCount must be a positive integer/,
    );
  });
});
