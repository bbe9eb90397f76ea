// Batch norm's values and gradients on seeded inputs, for the tests that compare a backend's
// fused batch-norm kernels with the composed ops on the cpu backend.
import * as tf from '@tensorflow/tfjs';
import { batchStatisticsNorm } from '../model/layers';
import { randomValues } from './tensors';

/**
 * y, mean and variance of batchStatisticsNorm and the gradients of sum(y * probe) for x, gamma
 * and beta, as arrays. x ([N, H, W, C]) is seeded normal with `spread` and `offset`; gamma, beta
 * and probe take the next three seeds.
 */
export function batchNormResults(
  shape: [number, number, number, number],
  seed: number,
  spread = 1,
  offset = 0,
): Float32Array[] {
  return tf.tidy(() => {
    const size = shape.reduce((p, q) => p * q);
    const channels = shape[3];
    const x = tf.tensor4d(randomValues(size, seed, spread, offset), shape);
    const gamma = tf.tensor1d(randomValues(channels, seed + 1));
    const beta = tf.tensor1d(randomValues(channels, seed + 2));
    const probe = tf.tensor4d(randomValues(size, seed + 3), shape);
    const { y, mean, variance } = batchStatisticsNorm(x, gamma, beta);
    const gradients = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      tf.sum(
        tf.mul(batchStatisticsNorm(a as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D).y, probe),
      ),
    )([x, gamma, beta]);
    return [y, mean, variance, ...gradients].map((t) => t.dataSync() as Float32Array);
  });
}
