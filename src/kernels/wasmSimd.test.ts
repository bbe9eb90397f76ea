import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { maxRelativeError, randomValues } from '../testing/tensors';
import { batchNormResults } from '../testing/batchNorm';
import { compileKernels, GENERATED_FILE, generatedModule } from './simd/compile';
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD } from './kernelNames';
import { registerWasmTrainingKernels } from './wasmTraining';
import {
  backendMemory,
  batchNormSimd,
  instantiateSimd,
  setSimdKernelsEnabled,
  type BatchNormSimd,
  type PhasesSimd,
} from './wasmSimd';

describe('SIMD kernel module', () => {
  it('kernels.wasm.ts is the build of the .wat sources (run npm run build:kernels)', async () => {
    const committed = await readFile(GENERATED_FILE, 'utf8');
    expect(committed).toBe(generatedModule(await compileKernels()));
  });

  it('gives null (the JavaScript loops) where the engine lacks WebAssembly SIMD', () => {
    const validate = vi.spyOn(WebAssembly, 'validate').mockReturnValue(false);
    try {
      expect(instantiateSimd('batchNorm', new WebAssembly.Memory({ initial: 1 }))).toBeNull();
    } finally {
      validate.mockRestore();
    }
    expect(backendMemory({})).toBeNull();
  });

  // the threaded build's heap is a shared memory: Node can make one without threads
  it.each([false, true])('batch-norm loops match float64 sums (shared memory: %s)', (shared) => {
    const memory = new WebAssembly.Memory(
      shared ? { initial: 4, maximum: 65536, shared: true } : { initial: 4 },
    );
    const simd = instantiateSimd<BatchNormSimd>('batchNorm', memory);
    expect(simd).not.toBeNull();
    for (const [pixels, channels] of [
      [70, 16],
      [33, 7],
      [5, 1],
      [1, 12],
      [64, 3],
    ]) {
      const size = pixels * channels;
      // float32 arrays at byte offsets 4 (unaligned for vectors), then float64 sums
      const [a, b, out] = [4, 4 + 4 * size, 4 + 8 * size];
      const [ca, cb, ka, kb, m] = [0, 1, 2, 3, 4].map((k) => 4 + 12 * size + 4 * k * channels);
      const sums = 8 * Math.ceil((4 + 12 * size + 20 * channels) / 8);
      const heap = new Float32Array(memory.buffer);
      heap.set(randomValues(size, 1, 2, 3), a / 4);
      heap.set(randomValues(size, 2), b / 4);
      for (const at of [ca, cb, ka, kb, m]) heap.set(randomValues(channels, at), at / 4);
      const sumsView = new Float64Array(memory.buffer, sums, 2 * channels);
      sumsView.fill(0);
      const at = (base: number, k: number) => heap[base / 4 + k];
      simd!.moments(a, ca, b, cb, pixels, channels, sums);
      const expected = new Float64Array(2 * channels);
      for (let i = 0; i < size; i++) {
        const c = i % channels;
        const u = at(a, i) - at(ca, c);
        expected[c] += u;
        expected[channels + c] += u * (at(b, i) - at(cb, c));
      }
      expect(maxRelativeError(sumsView, expected)).toBeLessThan(1e-6);
      simd!.scaleShift(out, a, ca, ka, m, pixels, channels);
      const first = Array.from({ length: size }, (_, i) => {
        const c = i % channels;
        return (at(a, i) - at(ca, c)) * at(ka, c) + at(m, c);
      });
      expect(maxRelativeError(heap.subarray(out / 4, out / 4 + size), first)).toBeLessThan(1e-6);
      simd!.scaleShift2(out, a, ka, b, cb, kb, m, pixels, channels);
      const second = Array.from({ length: size }, (_, i) => {
        const c = i % channels;
        return at(a, i) * at(ka, c) + (at(b, i) - at(cb, c)) * at(kb, c) + at(m, c);
      });
      expect(maxRelativeError(heap.subarray(out / 4, out / 4 + size), second)).toBeLessThan(1e-6);
      // nothing written past the output
      expect(heap[out / 4 + size]).toBe(at(ca, 0));
    }
  });

  it.each([false, true])('phase interleave matches DepthToSpace (shared memory: %s)', (shared) => {
    const memory = new WebAssembly.Memory(
      shared ? { initial: 2, maximum: 65536, shared: true } : { initial: 2 },
    );
    const simd = instantiateSimd<PhasesSimd>('phases', memory);
    expect(simd).not.toBeNull();
    // [images, phase rows, phase columns, stride, channels, height, width]
    for (const [images, rows, columns, stride, channels, height, width] of [
      [2, 4, 3, 2, 16, 8, 6],
      [2, 4, 4, 2, 6, 7, 7],
      [1, 3, 3, 3, 5, 9, 8],
      [3, 2, 2, 2, 1, 3, 4],
    ]) {
      const size = images * rows * columns * stride * stride * channels;
      const [phasesAt, outAt] = [8, 8 + 4 * size + 64];
      const outSize = images * height * width * channels;
      const heap = new Float32Array(memory.buffer);
      heap.fill(-7);
      heap.set(randomValues(size, 6), phasesAt / 4);
      simd!.interleave(outAt, phasesAt, images, rows, columns, stride, channels, height, width);
      const expected = new Float32Array(outSize);
      for (let n = 0, at = 0; n < images; n++) {
        for (let y = 0; y < height; y++) {
          for (let x = 0; x < width; x++) {
            const pixel = (n * rows + Math.floor(y / stride)) * columns + Math.floor(x / stride);
            const phase = (y % stride) * stride + (x % stride);
            for (let c = 0; c < channels; c++, at++) {
              expected[at] = heap[phasesAt / 4 + (pixel * stride * stride + phase) * channels + c];
            }
          }
        }
      }
      expect(heap.slice(outAt / 4, outAt / 4 + outSize)).toEqual(expected);
      expect(heap.slice(outAt / 4 + outSize, outAt / 4 + outSize + 64).every((v) => v === -7)).toBe(
        true,
      );
    }
  });
});

describe('conv gradients on the wasm backend, SIMD kernels and without', () => {
  beforeAll(async () => {
    registerWasmTrainingKernels();
  });
  afterAll(async () => {
    setSimdKernelsEnabled(true);
    await tf.setBackend('cpu');
  });

  type Padding = 'same' | 'valid';
  /** dx and dW of sum(conv(x, W) * probe). */
  const gradients = (shape: number[], filterShape: number[], stride: number, pad: Padding) =>
    tf.tidy(() => {
      const size = (dims: number[]) => dims.reduce((p, q) => p * q);
      const x = tf.tensor4d(
        randomValues(size(shape), 51),
        shape as [number, number, number, number],
      );
      const w = tf.tensor4d(
        randomValues(size(filterShape), 52),
        filterShape as [number, number, number, number],
      );
      const conv = (a: tf.Tensor, b: tf.Tensor) =>
        tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad);
      const probe = tf.tensor(randomValues(conv(x, w).size, 53), conv(x, w).shape);
      return tf
        .grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a, b), probe)))([x, w])
        .map((t) => t.dataSync());
    });

  // [x shape, kernel size, out channels, stride, padding]: ResNet-20's widths, leftover channels
  // (C mod 4), odd sizes (a cropped last phase), stride 3, a 1x1 stride-2 projection, a kernel
  // larger than the image, an asymmetric kernel
  const CASES: [number[], number[], number, Padding][] = [
    [[2, 8, 8, 16], [3, 3, 16, 16], 1, 'same'],
    [[2, 9, 9, 16], [3, 3, 16, 32], 2, 'same'],
    [[2, 8, 8, 16], [3, 3, 16, 32], 2, 'same'],
    [[3, 7, 6, 6], [3, 3, 6, 5], 2, 'same'],
    [[2, 8, 9, 13], [3, 3, 13, 4], 2, 'valid'],
    [[2, 8, 8, 16], [1, 1, 16, 32], 2, 'same'],
    [[2, 3, 3, 8], [5, 5, 8, 3], 2, 'same'],
    [[2, 10, 9, 4], [3, 3, 4, 6], 3, 'valid'],
    [[2, 9, 7, 5], [3, 2, 5, 4], 2, 'same'],
    [[3, 8, 8, 4], [3, 3, 4, 1024], 1, 'same'],
  ];
  it.each(CASES.map((c) => [JSON.stringify(c), c] as const))(
    'match the cpu backend with SIMD on and off: %s',
    async (_, [shape, filterShape, stride, pad]) => {
      await tf.setBackend('cpu');
      const [dxReference, dwReference] = gradients(shape, filterShape, stride, pad);
      await tf.setBackend('wasm');
      const [dxSimd, dwSimd] = gradients(shape, filterShape, stride, pad);
      setSimdKernelsEnabled(false);
      const [dxPlain, dwPlain] = gradients(shape, filterShape, stride, pad);
      setSimdKernelsEnabled(true);
      for (const [actual, expected] of [
        [dwSimd, dwReference],
        [dwPlain, dwReference],
        [dxSimd, dxReference],
        [dxPlain, dxReference],
      ]) {
        expect(maxRelativeError(actual, expected)).toBeLessThan(1e-5);
      }
    },
  );
});

describe('batch norm on the wasm backend, SIMD and JavaScript loops', () => {
  beforeAll(async () => {
    registerWasmTrainingKernels();
  });
  afterAll(async () => {
    setSimdKernelsEnabled(true);
    await tf.setBackend('cpu');
  });

  it('finds the heap and runs the SIMD kernels in Node', async () => {
    await tf.setBackend('wasm');
    expect(backendMemory(tf.engine().backend)).not.toBeNull();
    expect(batchNormSimd(tf.engine().backend)).not.toBeNull();
  });

  // ResNet-20's widths, odd widths (C mod 4 leftovers), a single channel, odd pixel counts
  const SHAPES: [number, number, number, number][] = [
    [2, 8, 8, 16],
    [3, 5, 7, 32],
    [2, 3, 3, 64],
    [3, 5, 4, 6],
    [2, 7, 5, 3],
    [1, 9, 7, 1],
    [2, 4, 4, 13],
  ];
  for (const simd of [true, false]) {
    it.each(SHAPES.map((shape) => [JSON.stringify(shape), shape] as const))(
      `matches the composed ops on cpu (SIMD ${simd ? 'on' : 'off'}): %s`,
      async (_, shape) => {
        await tf.setBackend('cpu');
        const reference = batchNormResults(shape, 31, 2, 1);
        await tf.setBackend('wasm');
        setSimdKernelsEnabled(simd);
        const actual = batchNormResults(shape, 31, 2, 1);
        setSimdKernelsEnabled(true);
        actual.forEach((values, i) =>
          expect(maxRelativeError(values, reference[i])).toBeLessThan(1e-4),
        );
      },
    );

    it(`stays accurate far from zero mean (SIMD ${simd ? 'on' : 'off'})`, async () => {
      const shape: [number, number, number, number] = [4, 6, 6, 12];
      await tf.setBackend('cpu');
      const reference = batchNormResults(shape, 31, 0.05, 40);
      await tf.setBackend('wasm');
      setSimdKernelsEnabled(simd);
      const actual = batchNormResults(shape, 31, 0.05, 40);
      setSimdKernelsEnabled(true);
      // y, mean, variance, dx, dgamma, dbeta
      [1e-3, 1e-6, 1e-3, 2e-3, 2e-3, 1e-5].forEach((tolerance, i) =>
        expect(maxRelativeError(actual[i], reference[i])).toBeLessThan(tolerance),
      );
    });
  }

  it('does not rely on fresh heap memory being zero', async () => {
    await tf.setBackend('wasm');
    const shape: [number, number, number, number] = [3, 5, 7, 32];
    const clean = batchNormResults(shape, 31, 2, 1);
    for (let i = 0; i < 4; i++) tf.dispose(tf.fill([4096 << i], NaN));
    const reused = batchNormResults(shape, 31, 2, 1);
    reused.forEach((values, i) => expect(values).toEqual(clean[i]));
  });

  it('frees its working memory', async () => {
    await tf.setBackend('wasm');
    const shape: [number, number, number, number] = [2, 4, 4, 6];
    const call = () => {
      const x = tf.tensor4d(randomValues(192, 41), shape);
      const [gamma, beta] = [tf.ones([6]), tf.zeros([6])];
      const outputs = tf
        .engine()
        .runKernel(BATCH_NORM_TRAIN, { x, gamma, beta }, { epsilon: 1e-3 }) as tf.Tensor[];
      const gradients = tf.engine().runKernel(BATCH_NORM_TRAIN_GRAD, {
        dy: x,
        x,
        mean: outputs[1],
        gamma,
        inverseSigma: outputs[3],
      }) as tf.Tensor[];
      tf.dispose([x, gamma, beta, ...outputs, ...gradients]);
    };
    call();
    const buffers = tf.engine().backend.numDataIds();
    for (let i = 0; i < 3; i++) call();
    expect(tf.engine().backend.numDataIds()).toBe(buffers);
  });
});
