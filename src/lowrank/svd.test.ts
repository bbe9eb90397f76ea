import { describe, expect, it } from 'vitest';
import { denseMatrix, reconstruct, svd, type DenseMatrix } from './svd';

function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
}

function randomMatrix(rows: number, cols: number, seed: number): DenseMatrix {
  const next = seededRandom(seed);
  return denseMatrix(rows, cols, Array.from({ length: rows * cols }, next));
}

function multiply(a: DenseMatrix, b: DenseMatrix): DenseMatrix {
  const out = new Float64Array(a.rows * b.cols);
  for (let i = 0; i < a.rows; i++)
    for (let k = 0; k < a.cols; k++)
      for (let j = 0; j < b.cols; j++)
        out[i * b.cols + j] += a.data[i * a.cols + k] * b.data[k * b.cols + j];
  return { rows: a.rows, cols: b.cols, data: out };
}

function maxAbsDifference(a: DenseMatrix, b: DenseMatrix): number {
  let worst = 0;
  for (let i = 0; i < a.data.length; i++) worst = Math.max(worst, Math.abs(a.data[i] - b.data[i]));
  return worst;
}

/** max |Q^T Q - I| over entries */
function orthonormalityError(q: DenseMatrix): number {
  let worst = 0;
  for (let a = 0; a < q.cols; a++) {
    for (let b = 0; b < q.cols; b++) {
      let sum = 0;
      for (let i = 0; i < q.rows; i++) sum += q.data[i * q.cols + a] * q.data[i * q.cols + b];
      worst = Math.max(worst, Math.abs(sum - (a === b ? 1 : 0)));
    }
  }
  return worst;
}

function expectValidSvd(a: DenseMatrix): ReturnType<typeof svd> {
  const result = svd(a);
  const k = Math.min(a.rows, a.cols);
  expect(result.U.rows).toBe(a.rows);
  expect(result.U.cols).toBe(k);
  expect(result.V.rows).toBe(a.cols);
  expect(result.V.cols).toBe(k);
  expect(maxAbsDifference(reconstruct(result), a)).toBeLessThan(1e-5);
  expect(orthonormalityError(result.U)).toBeLessThan(1e-5);
  expect(orthonormalityError(result.V)).toBeLessThan(1e-5);
  for (let i = 1; i < k; i++) expect(result.s[i]).toBeLessThanOrEqual(result.s[i - 1]);
  expect(Math.min(...result.s)).toBeGreaterThanOrEqual(0);
  return result;
}

describe('svd', () => {
  it.each([
    [576, 64],
    [144, 16],
    [64, 10],
    [10, 64],
    [40, 40],
    [300, 20],
  ])('decomposes a random %ix%i matrix exactly with orthonormal factors', (rows, cols) => {
    expectValidSvd(randomMatrix(rows, cols, rows * 31 + cols));
  });

  it('handles a rank-deficient matrix: zero singular values and still orthonormal factors', () => {
    const lowRank = multiply(randomMatrix(60, 3, 1), randomMatrix(3, 25, 2));
    const { s } = expectValidSvd(lowRank);
    expect(s[2]).toBeGreaterThan(1e-3);
    for (let i = 3; i < s.length; i++) expect(s[i]).toBeLessThan(1e-9);
  });

  it('handles a wide rank-deficient matrix and the zero matrix', () => {
    expectValidSvd(multiply(randomMatrix(8, 2, 3), randomMatrix(2, 30, 4)));
    const zero = expectValidSvd(denseMatrix(12, 5, new Array(60).fill(0)));
    expect([...zero.s]).toEqual([0, 0, 0, 0, 0]);
  });

  it('recovers known singular values of a diagonal matrix', () => {
    const diagonal = denseMatrix(3, 3, [0, 0, 2, 0, 5, 0, 1, 0, 0]);
    const { s } = expectValidSvd(diagonal);
    expect([...s].map((v) => Number(v.toFixed(12)))).toEqual([5, 2, 1]);
  });

  it('rejects a matrix with NaN entries with a clear message', () => {
    expect(() => svd(denseMatrix(2, 2, [1, Number.NaN, 0, 1]))).toThrow(/NaN/);
  });
});
