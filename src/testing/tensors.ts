// Small helpers shared by the unit tests.
import * as tf from '@tensorflow/tfjs';

export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}
