import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { maxAbsDiff } from '../testing/tensors';
import {
  breakEvenRank,
  chooseForm,
  composedKernel,
  convForward,
  createFactorisedConv,
  createFactorisedDense,
  denseForward,
  disposeLayer,
  type FactorisedLayer,
  type ForwardForm,
  type Padding,
} from './factorised';
import { pruneLayer } from './pruning';

const created: FactorisedLayer[] = [];
afterEach(() => created.splice(0).forEach(disposeLayer));

const forms: ForwardForm[] = ['lowrank', 'composed'];

describe('factorised conv', () => {
  it.each([
    [1, 'same'],
    [2, 'same'],
    [1, 'valid'],
    [2, 'valid'],
  ] as [number, Padding][])(
    'equals the dense conv it was built from (stride %i, %s)',
    (stride, padding) => {
      const kernel = tf.randomNormal([3, 3, 4, 6], 0, 0.3, 'float32', 7) as tf.Tensor4D;
      const x = tf.randomNormal([2, 9, 9, 4], 0, 1, 'float32', 8) as tf.Tensor4D;
      const layer = createFactorisedConv(
        {
          name: `conv-${stride}-${padding}`,
          kernelSize: 3,
          inChannels: 4,
          outChannels: 6,
          stride,
          padding,
        },
        { kernel },
      );
      created.push(layer);
      const expected = tf.conv2d(x, kernel, stride, padding);
      for (const form of forms) {
        const actual = convForward(layer, x, form);
        expect(actual.shape).toEqual(expected.shape);
        expect(maxAbsDiff(actual, expected)).toBeLessThan(1e-4);
        actual.dispose();
      }
      // and equals the conv with its own composed kernel U diag(s) V^T
      const composed = composedKernel(layer);
      expect(maxAbsDiff(composed, kernel)).toBeLessThan(1e-5);
      tf.dispose([kernel, x, expected, composed]);
    },
  );

  it('starts from the SVD of a He-normal kernel: full rank, sorted s, He-scale weights', () => {
    const layer = createFactorisedConv(
      { name: 'he', kernelSize: 3, inChannels: 8, outChannels: 16 },
      { seed: 3 },
    );
    created.push(layer);
    expect(layer.U.shape).toEqual([72, 16]);
    expect(layer.s.shape).toEqual([16]);
    expect(layer.V.shape).toEqual([16, 16]);
    const s = Array.from(layer.s.dataSync());
    expect([...s].sort((a, b) => b - a)).toEqual(s);
    const kernel = composedKernel(layer);
    const std = tf.tidy(() => tf.sqrt(tf.mean(tf.square(kernel))).dataSync()[0]);
    expect(std).toBeCloseTo(Math.sqrt(2 / 72), 1);
    kernel.dispose();
  });

  it('picks the cheaper forward form for the current rank', () => {
    const layer = createFactorisedConv(
      { name: 'auto', kernelSize: 3, inChannels: 16, outChannels: 16 },
      { seed: 1 },
    );
    created.push(layer);
    expect(breakEvenRank(layer)).toBeCloseTo(14.4, 5);
    expect(chooseForm(layer)).toBe('composed');
    pruneLayer(layer, [0, 1, 2, 3, 4, 5, 6, 7]);
    expect(chooseForm(layer)).toBe('lowrank');
    const x = tf.randomNormal([1, 6, 6, 16], 0, 1, 'float32', 2) as tf.Tensor4D;
    const [low, composed] = forms.map((form) => convForward(layer, x, form));
    expect(maxAbsDiff(low, composed)).toBeLessThan(1e-4);
    tf.dispose([x, low, composed]);
  });
});

describe('factorised dense', () => {
  it('equals the dense layer it was built from, in both forms', () => {
    const kernel = tf.randomNormal([12, 5], 0, 0.5, 'float32', 4) as tf.Tensor2D;
    const bias = tf.tensor1d([0.1, -0.2, 0.3, 0, 1]);
    const x = tf.randomNormal([3, 12], 0, 1, 'float32', 5) as tf.Tensor2D;
    const layer = createFactorisedDense(
      { name: 'fc', inFeatures: 12, outFeatures: 5 },
      { kernel, bias },
    );
    created.push(layer);
    expect(breakEvenRank(layer)).toBeCloseTo(60 / 17, 6);
    const expected = tf.add(tf.matMul(x, kernel), bias);
    for (const form of forms) {
      const actual = denseForward(layer, x, form);
      expect(maxAbsDiff(actual, expected)).toBeLessThan(1e-4);
      actual.dispose();
    }
    tf.dispose([kernel, bias, x, expected]);
  });
});
