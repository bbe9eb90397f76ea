// Small helpers shared by the unit tests.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { Random } from '../lowrank/random';

export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/** Seeded normal values, spread and offset as asked. */
export function randomValues(size: number, seed: number, spread = 1, offset = 0): Float32Array {
  const random = new Random(seed);
  return Float32Array.from({ length: size }, () => offset + spread * random.normal());
}

/** Largest difference between two arrays, relative to the largest value expected. */
export function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let scale = 1e-6;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / scale);
  }
  return worst;
}
