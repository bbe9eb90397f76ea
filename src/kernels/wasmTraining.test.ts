import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxRelativeError, randomValues } from '../testing/tensors';
import { batchNormResults } from '../testing/batchNorm';
import { BATCH_NORM_TRAIN } from './kernelNames';
import { registerWasmTrainingKernels } from './wasmTraining';
import { setSimdKernelsEnabled } from './wasmSimd';

type Padding = 'same' | 'valid';

interface Case {
  input: [number, number, number, number];
  kernel: [number, number, number, number];
  stride: number;
  padding: Padding;
}

/** Value and both gradients of sum(conv(x, W) * probe) on the active backend, as plain arrays. */
function convAndGradients({ input, kernel, stride, padding }: Case) {
  return tf.tidy(() => {
    const x = tf.tensor4d(
      randomValues(
        input.reduce((a, b) => a * b),
        1,
      ),
      input,
    );
    const w = tf.tensor4d(
      randomValues(
        kernel.reduce((a, b) => a * b),
        2,
      ),
      kernel,
    );
    const out = tf.conv2d(x, w, stride, padding);
    const probe = tf.tensor(randomValues(out.size, 3), out.shape);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, padding), probe)),
    )([x, w]);
    return { value: out.dataSync(), dx: dx.dataSync(), dw: dw.dataSync() };
  });
}

const CASES: Case[] = [];
for (const stride of [1, 2]) {
  for (const padding of ['same', 'valid'] as Padding[]) {
    for (const k of [1, 3]) {
      CASES.push({ input: [2, 7, 6, 3], kernel: [k, k, 3, 5], stride, padding });
      CASES.push({ input: [3, 8, 9, 4], kernel: [k, k, 4, 2], stride, padding });
    }
  }
}
CASES.push({ input: [4, 16, 16, 16], kernel: [3, 3, 16, 32], stride: 2, padding: 'same' });
CASES.push({ input: [1, 5, 5, 2], kernel: [5, 5, 2, 3], stride: 1, padding: 'valid' });
CASES.push({ input: [2, 9, 7, 3], kernel: [3, 2, 3, 4], stride: 2, padding: 'same' });
// ResNet-20's convs (stem, stages, stride-2 entries), the factorised nets' 1x1 expansion and
// ResNet-18's 1x1 stride-2 projection, at batch 2
CASES.push({ input: [2, 32, 32, 3], kernel: [3, 3, 3, 16], stride: 1, padding: 'same' });
CASES.push({ input: [2, 32, 32, 16], kernel: [3, 3, 16, 16], stride: 1, padding: 'same' });
CASES.push({ input: [2, 32, 32, 16], kernel: [3, 3, 16, 32], stride: 2, padding: 'same' });
CASES.push({ input: [2, 16, 16, 32], kernel: [3, 3, 32, 64], stride: 2, padding: 'same' });
CASES.push({ input: [2, 8, 8, 64], kernel: [3, 3, 64, 64], stride: 1, padding: 'same' });
CASES.push({ input: [2, 8, 8, 12], kernel: [1, 1, 12, 64], stride: 1, padding: 'valid' });
CASES.push({ input: [2, 8, 8, 16], kernel: [1, 1, 16, 32], stride: 2, padding: 'same' });
// kernels larger than the image
CASES.push({ input: [2, 2, 3, 2], kernel: [5, 5, 2, 3], stride: 1, padding: 'same' });
CASES.push({ input: [2, 3, 3, 2], kernel: [5, 5, 2, 3], stride: 2, padding: 'same' });
// wide enough that the filter gradient sums one matrix product per image
const CHUNKED: Case[] = [
  { input: [3, 8, 8, 2], kernel: [3, 3, 2, 1024], stride: 1, padding: 'same' },
  { input: [3, 9, 9, 2], kernel: [3, 3, 2, 2048], stride: 2, padding: 'same' },
];
CASES.push(...CHUNKED);

/**
 * `run` on the cpu backend, then on wasm with the SIMD kernels on or off: both results, once the
 * wasm run is checked to have left no buffer behind.
 */
async function cpuThenWasm<T>(run: () => T, simd = true): Promise<{ expected: T; actual: T }> {
  await tf.setBackend('cpu');
  const expected = run();
  await tf.setBackend('wasm');
  setSimdKernelsEnabled(simd);
  try {
    const buffers = tf.engine().backend.numDataIds();
    const actual = run();
    expect(tf.engine().backend.numDataIds()).toBe(buffers);
    return { expected, actual };
  } finally {
    setSimdKernelsEnabled(true);
  }
}

describe('wasm training kernels', () => {
  beforeAll(async () => {
    registerWasmTrainingKernels();
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(CASES.map((c) => [JSON.stringify(c), c] as const))(
    'conv gradients match the cpu backend: %s',
    async (_, testCase) => {
      await tf.setBackend('cpu');
      const reference = convAndGradients(testCase);
      await tf.setBackend('wasm');
      const actual = convAndGradients(testCase);
      expect(maxRelativeError(actual.value, reference.value)).toBeLessThan(1e-5);
      expect(maxRelativeError(actual.dx, reference.dx)).toBeLessThan(1e-5);
      expect(maxRelativeError(actual.dw, reference.dw)).toBeLessThan(1e-5);
    },
  );

  it('fused batch norm: values, statistics and gradients match the composed ops on cpu', async () => {
    const run = () => batchNormResults([3, 5, 4, 6], 11, 2, 1);
    await tf.setBackend('cpu');
    const reference = run();
    await tf.setBackend('wasm');
    expect(tf.getKernel(BATCH_NORM_TRAIN, 'wasm')).toBeDefined();
    const actual = run();
    actual.forEach((values, i) =>
      expect(maxRelativeError(values, reference[i])).toBeLessThan(1e-4),
    );
  });

  it('fused batch norm stays accurate for activations far from zero mean', async () => {
    // the backward pass forms sum(dy * xhat) from sum(dy * x) - mean * sum(dy)
    // the gradients only (the forward pass has its own test above)
    const run = () => batchNormResults([4, 6, 6, 8], 21, 0.05, 40).slice(3);
    await tf.setBackend('cpu');
    const reference = run();
    await tf.setBackend('wasm');
    const actual = run();
    actual.forEach((values, i) =>
      expect(maxRelativeError(values, reference[i])).toBeLessThan(2e-3),
    );
  });

  it.each([true, false])(
    'matrix products, plain and transposed, batched and broadcast, match cpu (SIMD kernel %s)',
    async (simd) => {
      // shapes that reach every tile of simd/matmul.wat: 4x8, 4x4, one-row and one-float tails
      const products = () =>
        tf.tidy(() => {
          const a = tf.tensor3d(randomValues(2 * 7 * 5, 4), [2, 7, 5]);
          const b = tf.tensor3d(randomValues(2 * 7 * 3, 5), [2, 7, 3]);
          const c = tf.tensor3d(randomValues(2 * 3 * 5, 6), [2, 3, 5]);
          const u = tf.tensor2d(randomValues(36 * 12, 7), [36, 12]);
          const v = tf.tensor2d(randomValues(13 * 12, 8), [13, 12]);
          const w = tf.tensor2d(randomValues(12 * 20, 9), [12, 20]);
          const one = tf.tensor3d(randomValues(12 * 20, 10), [1, 12, 20]);
          return [
            tf.matMul(a, b, true, false),
            tf.matMul(a, c, false, true),
            tf.matMul(b, a, true, false),
            tf.matMul(c, b, true, true),
            tf.matMul(u, u, true, false),
            tf.matMul(u, u, false, true),
            tf.matMul(u, w),
            tf.matMul(v, w),
            tf.matMul(w, v, true, true),
            tf.matMul(tf.stack([v, tf.neg(v)]) as tf.Tensor3D, one),
            tf.matMul(tf.zeros([3, 0]), tf.zeros([0, 4])),
          ].map((t) => t.dataSync());
        });
      const { expected, actual } = await cpuThenWasm(products, simd);
      actual.forEach((values, i) =>
        expect(maxRelativeError(values, expected[i]), `product ${i}`).toBeLessThan(1e-5),
      );
    },
  );

  it('subsampling pool gradient (a strided copy) and shared clone (Identity) match cpu and free memory', async () => {
    const run = () =>
      tf.tidy(() => {
        const x = tf.tensor4d(randomValues(2 * 7 * 6 * 5, 9), [2, 7, 6, 5]);
        const probe = (y: tf.Tensor) => tf.tensor(randomValues(y.size, 10), y.shape);
        // a 1x1 window at stride 2 (the fast path) and a 2x2 one (the backend's own kernel)
        const loss = (a: tf.Tensor) => {
          const fast = tf.avgPool(tf.clone(a) as tf.Tensor4D, 1, 2, 'valid');
          const general = tf.avgPool(a as tf.Tensor4D, 2, 2, 'valid');
          return tf.add(tf.sum(tf.mul(fast, probe(fast))), tf.sum(tf.mul(general, probe(general))));
        };
        return tf.grad(loss)(x).dataSync();
      });
    const { expected, actual } = await cpuThenWasm(run);
    expect(maxRelativeError(actual, expected)).toBeLessThan(1e-5);
    const buffers = tf.engine().backend.numDataIds();
    // a clone outlives its source, and its source it
    const source = tf.tensor1d([1, 2, 3]);
    const copy = tf.clone(source);
    source.dispose();
    expect(Array.from(copy.dataSync())).toEqual([1, 2, 3]);
    copy.dispose();
    expect(tf.engine().backend.numDataIds()).toBe(buffers);
  });

  it.each([true, false])(
    'slices and zero pads of the last axis (a column copy), and others, match cpu (SIMD %s)',
    async (simd) => {
      const run = () =>
        tf.tidy(() => {
          const x = tf.tensor4d(randomValues(3 * 4 * 5 * 10, 11), [3, 4, 5, 10]);
          return [
            tf.slice(x, [0, 0, 0, 3], [-1, -1, -1, 6]),
            tf.slice(x, [0, 0, 0, 0], [3, 4, 5, 8]),
            tf.slice(x, [1, 0, 0, 2], [2, 4, 5, 3]),
            tf.pad(x, [
              [0, 0],
              [0, 0],
              [0, 0],
              [3, 3],
            ]),
            tf.pad(x, [
              [0, 0],
              [0, 0],
              [0, 0],
              [0, 2],
            ]),
            tf.pad(x, [
              [0, 0],
              [1, 0],
              [0, 0],
              [0, 2],
            ]),
            tf.pad(
              x,
              [
                [0, 0],
                [0, 0],
                [0, 0],
                [1, 1],
              ],
              2,
            ),
            tf.slice(tf.tensor1d([1, 2, 3, 4, 5]), 1, 3),
          ].map((t) => Array.from(t.dataSync()));
        });
      const { expected, actual } = await cpuThenWasm(run, simd);
      expect(actual).toEqual(expected);
    },
  );

  it('inference batch norm (FusedBatchNorm as one SIMD pass) matches cpu, with and without scale and offset', async () => {
    const run = () =>
      tf.tidy(() => {
        const x = tf.tensor4d(randomValues(3 * 5 * 4 * 6, 11, 3, 2), [3, 5, 4, 6]);
        // variances positive (a normal draw around 2 can fall below zero)
        const positive = (values: Float32Array) => values.map(Math.abs);
        const [mean, variance, offset, scale] = [12, 13, 14, 15].map((seed, i) =>
          tf.tensor1d(i === 1 ? positive(randomValues(6, seed, 1, 2)) : randomValues(6, seed)),
        );
        const flat = tf.tensor2d(randomValues(7 * 6, 16), [7, 6]);
        const full = (seed: number, offset = 0) =>
          tf.tensor4d(positive(randomValues(3 * 5 * 4 * 6, seed, 1, offset)), [3, 5, 4, 6]);
        return [
          tf.batchNorm(x, mean, variance, offset, scale, 1e-3),
          tf.batchNorm(x, mean, variance, undefined, undefined, 1e-3),
          tf.batchNorm(flat, mean, variance, offset, scale, 1e-3),
          // statistics that are not per channel take the backend's own kernel
          tf.batchNorm(x, full(17), full(18, 2), full(19), full(20), 1e-3),
        ].map((t) => t.dataSync());
      });
    const { expected, actual } = await cpuThenWasm(run);
    actual.forEach((values, i) => expect(maxRelativeError(values, expected[i])).toBeLessThan(1e-5));
  });

  it.each([true, false])(
    "ReLU's gradient (one fused pass on wasm) matches cpu (SIMD kernels: %s)",
    async (simd) => {
      const run = () =>
        tf.tidy(() => {
          // 2*5*3*3 = 90 values: vectors and a scalar tail; zeros, where ReLU's gradient is 0
          const values = randomValues(90, 21).map((v, i) => (i % 7 === 0 ? 0 : v));
          const x = tf.tensor4d(values, [2, 5, 3, 3]);
          const probe = tf.tensor4d(randomValues(90, 22), [2, 5, 3, 3]);
          return tf
            .grad((a: tf.Tensor) => tf.sum(tf.mul(tf.relu(a), probe)))(x)
            .dataSync();
        });
      const { expected, actual } = await cpuThenWasm(run, simd);
      // exact (TF.js's dy * 0 can be -0 where this gives +0)
      expect(maxRelativeError(actual, expected)).toBe(0);
    },
  );

  it('frees every intermediate buffer', async () => {
    await tf.setBackend('wasm');
    const testCase: Case = {
      input: [2, 8, 8, 4],
      kernel: [3, 3, 4, 4],
      stride: 2,
      padding: 'same',
    };
    convAndGradients(testCase);
    const buffers = tf.engine().backend.numDataIds();
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) [testCase, ...CHUNKED].forEach(convAndGradients);
    expect(tf.engine().backend.numDataIds()).toBe(buffers);
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('lets a conv net train: the loss falls on wasm', async () => {
    await tf.setBackend('wasm');
    const w = tf.variable(tf.tensor4d(randomValues(3 * 3 * 2 * 4, 4), [3, 3, 2, 4]).mul(0.3));
    const x = tf.tensor4d(randomValues(4 * 6 * 6 * 2, 5), [4, 6, 6, 2]);
    const target = tf.tensor4d(randomValues(4 * 3 * 3 * 4, 6), [4, 3, 3, 4]);
    const optimiser = tf.train.sgd(0.02);
    const loss = (): tf.Scalar =>
      tf.mean(tf.square(tf.sub(tf.conv2d(x, w as tf.Tensor4D, 2, 'same'), target)));
    const first = (optimiser.minimize(loss, true) as tf.Scalar).dataSync()[0];
    let last = first;
    for (let i = 0; i < 20; i++) {
      const value = optimiser.minimize(loss, true) as tf.Scalar;
      last = value.dataSync()[0];
      value.dispose();
    }
    expect(last).toBeLessThan(first * 0.8);
    tf.dispose([w, x, target]);
    optimiser.dispose();
  });
});
