import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxRelativeError, randomValues } from '../testing/tensors';
import { directConv, type ConvAttrs } from './wasmConv';
import type { WasmBackendLike } from './wasmHeap';
import { registerWasmTrainingKernels } from './wasmTraining';
import { setSimdKernelsEnabled } from './wasmSimd';

type Pad = ConvAttrs['pad'];

interface Case {
  x: [number, number, number, number];
  w: [number, number, number, number];
  stride: number | [number, number];
  pad: Pad;
}

const attrsOf = ({ stride, pad }: Case): ConvAttrs => ({
  strides: stride,
  pad,
  dataFormat: 'NHWC',
  dilations: 1,
});

// border tiles on both sides, 8- and 4-wide channel tiles, strides, 'valid', explicit pads,
// filters larger than the image, 1x1, and outputs whose width or channels are not multiples
// of 4
const CASES: Case[] = [
  { x: [2, 8, 8, 3], w: [3, 3, 3, 16], stride: 1, pad: 'same' },
  { x: [1, 8, 12, 5], w: [3, 3, 5, 12], stride: 1, pad: 'same' },
  { x: [2, 9, 8, 4], w: [3, 3, 4, 8], stride: 2, pad: 'same' },
  { x: [2, 10, 10, 2], w: [3, 3, 2, 4], stride: 1, pad: 'valid' },
  {
    x: [1, 7, 9, 3],
    w: [2, 3, 3, 8],
    stride: [2, 1],
    pad: [
      [0, 0],
      [2, 1],
      [0, 3],
      [0, 0],
    ],
  },
  { x: [1, 3, 4, 2], w: [5, 5, 2, 4], stride: 1, pad: 'same' },
  { x: [2, 8, 8, 12], w: [1, 1, 12, 20], stride: 1, pad: 'valid' },
  { x: [2, 8, 8, 16], w: [1, 1, 16, 8], stride: 2, pad: 'same' },
  { x: [2, 6, 6, 4], w: [3, 3, 4, 7], stride: 1, pad: 'same' },
  { x: [1, 5, 7, 3], w: [3, 3, 3, 5], stride: 1, pad: 1 },
  { x: [2, 5, 5, 3], w: [3, 3, 3, 13], stride: 1, pad: 'same' },
  { x: [1, 9, 9, 6], w: [1, 1, 6, 2], stride: 2, pad: 'valid' },
  // channels not a multiple of the tile on lines of several pixel tiles: whole-vector stores run
  // into the next pixel, to be overwritten (last tile wide, narrow, one channel, 3 tiles)
  { x: [2, 4, 11, 5], w: [3, 3, 5, 14], stride: 1, pad: 'same' },
  { x: [1, 4, 9, 2], w: [3, 3, 2, 3], stride: 1, pad: 'same' },
  { x: [1, 3, 10, 3], w: [3, 3, 3, 1], stride: 1, pad: 'same' },
  { x: [1, 3, 13, 4], w: [3, 3, 4, 22], stride: 1, pad: 'same' },
  { x: [2, 6, 18, 3], w: [3, 3, 3, 6], stride: 2, pad: 'same' },
  // 1x1 stride 1: one matrix product where no side is padded, the conv kernel where one is
  { x: [2, 3, 5, 6], w: [1, 1, 6, 9], stride: 1, pad: 'valid' },
  {
    x: [2, 3, 5, 6],
    w: [1, 1, 6, 8],
    stride: 1,
    pad: [
      [0, 0],
      [0, 1],
      [0, 2],
      [0, 0],
    ],
  },
];

function tensors({ x, w }: Case, seed: number) {
  const size = (shape: number[]) => shape.reduce((a, b) => a * b);
  return {
    x: tf.tensor4d(randomValues(size(x), seed), x),
    w: tf.tensor4d(randomValues(size(w), seed + 1), w),
    bias: tf.tensor1d(randomValues(w[3], seed + 2)),
  };
}

/** The cpu backend's fused convolution of the case. */
async function reference(testCase: Case, seed: number, fused: boolean) {
  await tf.setBackend('cpu');
  return tf.tidy(() => {
    const { x, w, bias } = tensors(testCase, seed);
    const { stride, pad } = testCase;
    return (
      fused
        ? tf.fused.conv2d({ x, filter: w, strides: stride, pad, bias, activation: 'relu' })
        : tf.conv2d(x, w, stride, pad as 'same')
    ).dataSync();
  });
}

describe('direct convolution (simd/conv.wat)', () => {
  beforeAll(() => registerWasmTrainingKernels());
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(CASES.map((c, i) => [JSON.stringify(c), c, i] as const))(
    'matches cpu, plain and with bias and ReLU: %s',
    async (_, testCase, seed) => {
      for (const fused of [false, true]) {
        const expected = await reference(testCase, 10 * seed, fused);
        await tf.setBackend('wasm');
        const backend = tf.backend() as unknown as WasmBackendLike;
        const buffers = tf.engine().backend.numDataIds();
        const actual = tf.tidy(() => {
          const { x, w, bias } = tensors(testCase, 10 * seed);
          const fusion = fused ? { bias, relu: true } : undefined;
          const out = directConv(backend, x, w, attrsOf(testCase), fusion);
          expect(out, 'the kernel covers the case').not.toBeNull();
          return tf.engine().makeTensorFromTensorInfo(out!).dataSync();
        });
        expect(maxRelativeError(actual, expected)).toBeLessThan(1e-5);
        expect(tf.engine().backend.numDataIds()).toBe(buffers);
      }
    },
  );

  it('leaves dilated convolutions and NCHW to the backend', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as WasmBackendLike;
    tf.tidy(() => {
      const { x, w } = tensors(CASES[0], 1);
      expect(directConv(backend, x, w, { ...attrsOf(CASES[0]), dilations: 2 })).toBeNull();
      expect(directConv(backend, x, w, { ...attrsOf(CASES[0]), dataFormat: 'NCHW' })).toBeNull();
    });
  });

  it("runs behind tf.conv2d and the exported model's fused conv, as without SIMD", async () => {
    const run = () =>
      tf.tidy(() => {
        const { x, w, bias } = tensors(CASES[1], 7);
        const filter = w;
        return [
          tf.conv2d(x, w, 1, 'same'),
          tf.fused.conv2d({ x, filter, strides: 1, pad: 'same', bias, activation: 'relu' }),
          tf.fused.conv2d({ x, filter, strides: 1, pad: 'same', bias, activation: 'elu' }),
        ].map((t) => t.dataSync());
      });
    await tf.setBackend('cpu');
    const expected = run();
    await tf.setBackend('wasm');
    for (const simd of [true, false]) {
      setSimdKernelsEnabled(simd);
      try {
        run().forEach((values, i) =>
          expect(maxRelativeError(values, expected[i])).toBeLessThan(1e-5),
        );
      } finally {
        setSimdKernelsEnabled(true);
      }
    }
  });
});
