// Training-mode batch norm as two fused kernels for the wasm backend: forward (statistics and
// normalisation) and backward, two passes over the activations each; the backward pass reads the
// layer's input rather than a saved xhat (one tensor fewer written and kept per layer). Composed
// from TF.js ops, batch norm costs about fifteen full passes a layer (moments, broadcasts,
// reductions). Channels last, on the backend's heap: the SIMD loops of simd/batchNorm.wat where
// the engine has WebAssembly SIMD, else plain JavaScript (batchNormJs.ts).
import * as tf from '@tensorflow/tfjs';
import { backward, forward, heap, makeOutputs, type TensorInfo } from './batchNormJs';
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD } from './kernelNames';
import { PixelSplit } from './kernelThreads';
import { pointerOf, type WasmBackendLike } from './wasmHeap';
import { backendMemory, batchNormSimd, type BatchNormSimd } from './wasmSimd';

/** Pixels whose mean centres the forward sums (see forwardSimd). */
const CENTRE_PIXELS = 16;

/**
 * Per-channel working memory on the heap for the SIMD kernels: float64 sums [2, C], then
 * `arrays` float32 arrays of C values.
 */
class Scratch {
  private readonly info: TensorInfo;
  /** Byte offsets of the sums and of the first float32 array (set by views). */
  private sums = 0;
  private floats = 0;

  private readonly parts: number;

  constructor(
    private readonly backend: WasmBackendLike,
    private readonly channels: number,
    arrays: number,
    /** the passes' split over threads: each part sums into its own float64 sums */
    private readonly split: PixelSplit,
  ) {
    this.parts = split.parts;
    // two spare floats: room to align the float64 sums to 8 bytes
    this.info = backend.makeOutput([(4 * this.parts + arrays) * channels + 2], 'float32');
  }

  /** Zeroed sums and float32 array k; call after the kernel's last allocation (see forward). */
  views(): { sums: Float64Array; array: (k: number) => Float32Array } {
    const { buffer, byteOffset } = heap(this.backend, this.info);
    this.sums = Math.ceil(byteOffset / 8) * 8;
    this.floats = this.sums + 16 * this.channels * this.parts;
    const sums = new Float64Array(buffer, this.sums, 2 * this.channels * this.parts);
    sums.fill(0);
    return { sums, array: (k) => new Float32Array(buffer, this.pointer(k), this.channels) };
  }

  /**
   * batchNorm.wat's moments of a and b ([pixels, C] byte offsets, centred on the per-channel
   * ca and cb) over the split, each part into its own sums, then added into `sums` (views()'s,
   * whose first 2C values hold the result).
   */
  moments(sums: Float64Array, a: number, ca: number, b: number, cb: number): void {
    const size = 2 * this.channels;
    this.split.run(['batchNorm', 'moments'], (at, pixels, part) => {
      return [a + at, ca, b + at, cb, pixels, this.channels, this.sums + 8 * size * part];
    });
    for (let part = 1; part < this.parts; part++) {
      for (let i = 0; i < size; i++) sums[i] += sums[part * size + i];
    }
  }

  pointer(k: number): number {
    return this.floats + 4 * k * this.channels;
  }

  dispose(): void {
    this.backend.disposeData(this.info.dataId);
  }
}

/**
 * The forward pass with the SIMD kernels. The sums run in float32 within blocks of pixels, over
 * x minus a per-channel centre (the mean of the first pixels), so that the sum of squares does not
 * cancel for activations far from zero (mean 40, spread 0.05 keeps about 5 digits); blocks add
 * up in float64.
 */
function forwardSimd(
  simd: BatchNormSimd,
  backend: WasmBackendLike,
  x: TensorInfo,
  gamma: TensorInfo,
  beta: TensorInfo,
  epsilon: number,
): TensorInfo[] {
  const { channels, count, outputs } = makeOutputs(backend, x.shape, 3);
  const split = new PixelSplit(simd, backendMemory(backend), count, channels);
  const scratch = new Scratch(backend, channels, 3, split);
  try {
    const { sums, array } = scratch.views();
    const [mean, variance, inverseSigma] = outputs.slice(1).map((info) => heap(backend, info));
    const input = heap(backend, x);
    const [scale, shift] = [heap(backend, gamma), heap(backend, beta)];
    const [centre, factor, offset] = [0, 1, 2].map(array);
    // (the heap is not zeroed: the arrays hold whatever was there)
    const first = Math.min(count, CENTRE_PIXELS);
    for (let c = 0; c < channels; c++) {
      let total = 0;
      for (let p = 0; p < first; p++) total += input[p * channels + c];
      centre[c] = total / first;
    }
    const [xAt, centreAt] = [pointerOf(backend, x), scratch.pointer(0)];
    scratch.moments(sums, xAt, centreAt, xAt, centreAt);
    // y = (x - centre) * gamma/sigma + (beta - (mean - centre) * gamma/sigma)
    for (let c = 0; c < channels; c++) {
      const shiftToMean = sums[c] / count;
      const spread = Math.max(0, sums[channels + c] / count - shiftToMean * shiftToMean);
      const inverse = 1 / Math.sqrt(spread + epsilon);
      [mean[c], variance[c], inverseSigma[c]] = [centre[c] + shiftToMean, spread, inverse];
      factor[c] = scale[c] * inverse;
      offset[c] = shift[c] - shiftToMean * scale[c] * inverse;
    }
    const [yAt, factorAt, offsetAt] = [
      pointerOf(backend, outputs[0]),
      scratch.pointer(1),
      scratch.pointer(2),
    ];
    split.run(['batchNorm', 'scaleShift'], (at, pixels) => {
      return [yAt + at, xAt + at, centreAt, factorAt, offsetAt, pixels, channels];
    });
  } finally {
    scratch.dispose();
  }
  return outputs;
}

/**
 * The backward pass with the SIMD kernels: sum(dy * xhat) as sigma * sum(dy * (x - mean)), the
 * subtraction done per value (no cancellation of sum(dy * x) against mean * sum(dy)).
 */
function backwardSimd(
  simd: BatchNormSimd,
  backend: WasmBackendLike,
  dy: TensorInfo,
  x: TensorInfo,
  mean: TensorInfo,
  gamma: TensorInfo,
  inverseSigma: TensorInfo,
): TensorInfo[] {
  const { channels, count, outputs } = makeOutputs(backend, dy.shape, 2);
  const split = new PixelSplit(simd, backendMemory(backend), count, channels);
  // arrays: zero (dy's centre), then the coefficients of dx = dy * a + (x - mean) * b + d
  const scratch = new Scratch(backend, channels, 4, split);
  try {
    const { sums, array } = scratch.views();
    const [scaleGradient, shiftGradient] = outputs.slice(1).map((info) => heap(backend, info));
    const [scale, sigma] = [gamma, inverseSigma].map((info) => heap(backend, info));
    const [zero, a, b, d] = [0, 1, 2, 3].map(array);
    zero.fill(0);
    const [dyAt, xAt, meanAt] = [dy, x, mean].map((info) => pointerOf(backend, info));
    const zeroAt = scratch.pointer(0);
    scratch.moments(sums, dyAt, zeroAt, xAt, meanAt);
    for (let c = 0; c < channels; c++) {
      const dySum = sums[c];
      const dyXhatSum = sums[channels + c] * sigma[c];
      shiftGradient[c] = dySum;
      scaleGradient[c] = dyXhatSum;
      const k = scale[c] * sigma[c];
      a[c] = k;
      b[c] = -k * (dyXhatSum / count) * sigma[c];
      d[c] = -k * (dySum / count);
    }
    const dxAt = pointerOf(backend, outputs[0]);
    const [aAt, bAt, dAt] = [1, 2, 3].map((k) => scratch.pointer(k));
    split.run(['batchNorm', 'scaleShift2'], (at, pixels) => {
      return [dxAt + at, dyAt + at, aAt, xAt + at, meanAt, bAt, dAt, pixels, channels];
    });
  } finally {
    scratch.dispose();
  }
  return outputs;
}

/**
 * Inference-mode batch norm (TF.js's FusedBatchNorm, which the exported model and evaluation
 * run): y = (x - mean) * scale / sqrt(variance + epsilon) + offset as one pass of the SIMD
 * scaleShift, split over the kernel threads. The backend's own kernel is a scalar loop: 20 ms of
 * an 85 ms batch-32 ResNet-20 prediction, as much for a compressed model as for the dense one.
 * Null (use the backend's kernel) where SIMD is missing or the statistics are not per channel.
 */
export function inferenceBatchNorm(
  backend: WasmBackendLike,
  inputs: Record<string, TensorInfo | null | undefined>,
  epsilon: number,
): TensorInfo | null {
  const { x, mean, variance, offset, scale } = inputs;
  if (!x || !mean || !variance || x.dtype !== 'float32') return null;
  const channels = x.shape[x.shape.length - 1];
  const perChannel = (t: TensorInfo | null | undefined) =>
    t == null || (t.shape.length === 1 && t.shape[0] === channels);
  const simd = batchNormSimd(backend);
  const count = tf.util.sizeFromShape(x.shape) / channels;
  if (!simd || !(count > 0) || ![mean, variance, offset, scale].every(perChannel)) return null;
  const out = backend.makeOutput(x.shape, 'float32');
  const constants = backend.makeOutput([3 * channels], 'float32');
  try {
    // views taken after both allocations (an allocation can grow the heap)
    const [centre, factor, shift] = [0, 1, 2].map((k) =>
      heap(backend, constants).subarray(k * channels, (k + 1) * channels),
    );
    const [m, v] = [heap(backend, mean), heap(backend, variance)];
    const [o, g] = [offset, scale].map((t) => (t ? heap(backend, t) : null));
    for (let c = 0; c < channels; c++) {
      centre[c] = m[c];
      factor[c] = (g ? g[c] : 1) / Math.sqrt(v[c] + epsilon);
      shift[c] = o ? o[c] : 0;
    }
    const [xAt, yAt, kAt] = [x, out, constants].map((info) => pointerOf(backend, info));
    const split = new PixelSplit(simd, backendMemory(backend), count, channels);
    split.run(['batchNorm', 'scaleShift'], (at, pixels) => {
      return [yAt + at, xAt + at, kAt, kAt + 4 * channels, kAt + 8 * channels, pixels, channels];
    });
  } finally {
    backend.disposeData(constants.dataId);
  }
  return out;
}

export function registerWasmBatchNorm(): void {
  tf.registerKernel({
    kernelName: BATCH_NORM_TRAIN,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, gamma, beta } = inputs as Record<string, TensorInfo>;
      const { epsilon } = attrs as unknown as { epsilon: number };
      const heapBackend = backend as unknown as WasmBackendLike;
      const simd = batchNormSimd(heapBackend);
      return simd
        ? forwardSimd(simd, heapBackend, x, gamma, beta, epsilon)
        : forward(heapBackend, x, gamma, beta, epsilon);
    },
  });
  tf.registerKernel({
    kernelName: BATCH_NORM_TRAIN_GRAD,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const { dy, x, mean, gamma, inverseSigma } = inputs as Record<string, TensorInfo>;
      const heapBackend = backend as unknown as WasmBackendLike;
      const simd = batchNormSimd(heapBackend);
      return simd
        ? backwardSimd(simd, heapBackend, dy, x, mean, gamma, inverseSigma)
        : backward(heapBackend, dy, x, mean, gamma, inverseSigma);
    },
  });
}
