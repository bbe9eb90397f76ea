import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { maxAbsDiff } from '../testing/tensors';
import { BN_EPSILON, batchStatisticsNorm, batchNormForward, createBatchNorm } from './layers';

describe('training-mode batch norm', () => {
  const x = tf.randomNormal([3, 4, 5, 6], 2, 3, 'float32', 7) as tf.Tensor4D;
  const gamma = tf.randomNormal([6], 1, 0.5, 'float32', 8) as tf.Tensor1D;
  const beta = tf.randomNormal([6], 0, 1, 'float32', 9) as tf.Tensor1D;
  const probe = tf.randomNormal([3, 4, 5, 6], 0, 1, 'float32', 10);

  function reference(a: tf.Tensor4D, g: tf.Tensor1D, b: tf.Tensor1D): tf.Tensor4D {
    const { mean, variance } = tf.moments(a, [0, 1, 2]);
    return tf.batchNorm(a, mean, variance, b, g, BN_EPSILON) as tf.Tensor4D;
  }

  it('closed-form backward pass equals autodiff through moments + batchNorm', () => {
    const loss =
      (f: (a: tf.Tensor4D, g: tf.Tensor1D, b: tf.Tensor1D) => tf.Tensor4D) =>
      (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(f(a as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D), probe));
    const expected = tf.grads(loss(reference))([x, gamma, beta]);
    const actual = tf.grads(loss((a, g, b) => batchStatisticsNorm(a, g, b).y))([x, gamma, beta]);
    for (let i = 0; i < 3; i++) expect(maxAbsDiff(actual[i], expected[i])).toBeLessThan(1e-4);
    const { y, mean, variance } = batchStatisticsNorm(x, gamma, beta);
    const moments = tf.moments(x, [0, 1, 2]);
    expect(maxAbsDiff(y, reference(x, gamma, beta))).toBeLessThan(1e-5);
    expect(maxAbsDiff(mean, moments.mean)).toBeLessThan(1e-5);
    expect(maxAbsDiff(variance, moments.variance)).toBeLessThan(1e-4);
    tf.dispose([...expected, ...actual, y, mean, variance, moments.mean, moments.variance]);
  });

  it('updates the running statistics and leaks no tensors', () => {
    const bn = createBatchNorm('bn', 6);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const gradients = tf.grads((a: tf.Tensor) =>
        tf.sum(batchNormForward(bn, a as tf.Tensor4D, true)),
      )([x]);
      tf.dispose(gradients);
    }
    expect(tf.memory().numTensors).toBe(before);
    const { mean } = tf.moments(x, [0, 1, 2]);
    // three updates with momentum 0.9 from 0: 1 - 0.9^3 of the batch mean
    expect(maxAbsDiff(bn.movingMean, tf.mul(mean, 1 - 0.9 ** 3))).toBeLessThan(1e-4);
  });
});
