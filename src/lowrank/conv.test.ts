import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { maxAbsDiff } from '../testing/tensors';
import { conv2d } from './conv';
import type { Padding } from './factorised';

describe('conv2d with the im2col filter gradient', () => {
  it.each([
    [3, 1, 'same'],
    [3, 2, 'same'],
    [3, 1, 'valid'],
    [3, 2, 'valid'],
    [1, 1, 'same'],
    [1, 2, 'valid'],
  ] as [number, number, Padding][])(
    'k=%i stride %i %s: value and both gradients match tf.conv2d',
    (k, stride, padding) => {
      const x = tf.randomNormal([2, 7, 6, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
      const w = tf.randomNormal([k, k, 3, 5], 0, 1, 'float32', 2) as tf.Tensor4D;
      const loss = (f: typeof conv2d) => (a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.square(f(a as tf.Tensor4D, b as tf.Tensor4D, stride, padding)));
      const [dxReference, dwReference] = tf.grads(loss((a, b, s, p) => tf.conv2d(a, b, s, p)))([
        x,
        w,
      ]);
      const [dx, dw] = tf.grads(loss(conv2d))([x, w]);
      const value = conv2d(x, w, stride, padding);
      const reference = tf.conv2d(x, w, stride, padding);
      expect(maxAbsDiff(value, reference)).toBeLessThan(1e-5);
      expect(maxAbsDiff(dx, dxReference)).toBeLessThan(1e-3);
      expect(maxAbsDiff(dw, dwReference)).toBeLessThan(1e-3);
      tf.dispose([x, w, dxReference, dwReference, dx, dw, value, reference]);
    },
  );
});
