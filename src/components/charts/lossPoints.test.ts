import { describe, expect, it } from 'vitest';
import { logDomain, lossSummary, regulariserPoints } from './lossPoints';

describe('loss chart data', () => {
  it('leaves zero and non-finite regulariser values out of the log-scale chart', () => {
    const points = regulariserPoints([
      { step: 1, crossEntropy: 2.3, orth: 0, rank: 0.5 },
      { step: 2, crossEntropy: 2.2, orth: 0.01, rank: Number.NaN },
    ]);
    expect(points).toEqual([
      { step: 1, orth: null, rank: 0.5 },
      { step: 2, orth: 0.01, rank: null },
    ]);
  });

  it('keeps the log axis within six decades of its top', () => {
    expect(
      logDomain([
        { orth: 1e-14, rank: null },
        { orth: 0.03, rank: 0.2 },
      ]),
    ).toEqual([1e-7, 1]);
    expect(logDomain([{ orth: 0.004, rank: 0.02 }])).toEqual([0.001, 0.1]);
    expect(logDomain([])).toEqual([1e-3, 1]);
  });

  it('says the latest values in words', () => {
    expect(lossSummary()).toBe('Loss: no steps yet.');
    expect(
      lossSummary(
        { step: 40, crossEntropy: 1.23456, orth: 0.03, rank: 0 },
        { step: 40, crossEntropy: 1.5, orth: 0, rank: 0 },
      ),
    ).toBe(
      'Loss at step 40: cross-entropy 1.235; dense baseline 1.500; orthogonality term 3.0e-2; rank term 0.000.',
    );
  });
});
