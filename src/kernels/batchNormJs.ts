// Training-mode batch norm in plain JavaScript on the wasm backend's heap, channels last: the
// path of engines without WebAssembly SIMD (wasmBatchNorm.ts chooses it), doing what the
// SIMD kernels do in one pass each.
import * as tf from '@tensorflow/tfjs';
import type { WasmBackendLike } from './wasmHeap';

export type TensorInfo = tf.TensorInfo;

export function heap(backend: WasmBackendLike, info: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

/**
 * Values per block of the channel-strided loops below: a block of [pixels, C] (8 KB) stays in
 * the L1 cache while each channel walks it with its constants and accumulators in registers. The
 * plain [pixel][channel] order loads and stores every per-channel value from a typed array per
 * element and ran 3-4 times slower.
 */
function blockSize(channels: number): number {
  return channels * Math.max(1, Math.floor(2048 / channels));
}

/** Per-channel sum of a[i] and of a[i] * b[i] (b = a for the sum of squares). */
function channelSums(
  a: Float32Array,
  b: Float32Array,
  channels: number,
): [Float64Array, Float64Array] {
  const sum = new Float64Array(channels);
  const products = new Float64Array(channels);
  const size = a.length;
  const block = blockSize(channels);
  for (let start = 0; start < size; start += block) {
    const end = Math.min(size, start + block);
    for (let c = 0; c < channels; c++) {
      // two independent chains: one add chain waits on the previous add's latency
      let s0 = 0;
      let s1 = 0;
      let p0 = 0;
      let p1 = 0;
      let at = start + c;
      for (; at + channels < end; at += 2 * channels) {
        const u = a[at];
        const v = a[at + channels];
        s0 += u;
        s1 += v;
        p0 += u * b[at];
        p1 += v * b[at + channels];
      }
      if (at < end) {
        s0 += a[at];
        p0 += a[at] * b[at];
      }
      sum[c] += s0 + s1;
      products[c] += p0 + p1;
    }
  }
  return [sum, products];
}

/** out[i] = a[i] * scale[c] + b[i] * scaleB[c] + shift[c] (b and scaleB optional). */
function affine(
  out: Float32Array,
  a: Float32Array,
  scale: Float64Array,
  shift: Float64Array,
  b: Float32Array = a,
  scaleB?: Float64Array,
): void {
  const channels = scale.length;
  const size = out.length;
  const block = blockSize(channels);
  const [s1, s2, s3, s4] = [1, 2, 3, 4].map((k) => k * channels);
  for (let start = 0; start < size; start += block) {
    const end = Math.min(size, start + block);
    for (let c = 0; c < channels; c++) {
      const k = scale[c];
      const m = shift[c];
      let at = start + c;
      // four pixels a turn: about a third faster than one in V8
      if (scaleB) {
        const kb = scaleB[c];
        for (; at + s3 < end; at += s4) {
          out[at] = a[at] * k + b[at] * kb + m;
          out[at + s1] = a[at + s1] * k + b[at + s1] * kb + m;
          out[at + s2] = a[at + s2] * k + b[at + s2] * kb + m;
          out[at + s3] = a[at + s3] * k + b[at + s3] * kb + m;
        }
        for (; at < end; at += s1) out[at] = a[at] * k + b[at] * kb + m;
      } else {
        for (; at + s3 < end; at += s4) {
          out[at] = a[at] * k + m;
          out[at + s1] = a[at + s1] * k + m;
          out[at + s2] = a[at + s2] * k + m;
          out[at + s3] = a[at + s3] * k + m;
        }
        for (; at < end; at += s1) out[at] = a[at] * k + m;
      }
    }
  }
}

/** An output shaped like the activations, then `perChannel` outputs of one value a channel. */
export function makeOutputs(backend: WasmBackendLike, shape: number[], perChannel: number) {
  const channels = shape[shape.length - 1];
  const count = tf.util.sizeFromShape(shape) / channels;
  const outputs = [
    backend.makeOutput(shape, 'float32'),
    ...Array.from({ length: perChannel }, () => backend.makeOutput([channels], 'float32')),
  ];
  return { channels, count, outputs };
}

/** Outputs: y, batch mean, batch variance, 1/sqrt(variance + eps). */
export function forward(
  backend: WasmBackendLike,
  x: TensorInfo,
  gamma: TensorInfo,
  beta: TensorInfo,
  epsilon: number,
): TensorInfo[] {
  const { channels, count, outputs } = makeOutputs(backend, x.shape, 3);
  // views after every allocation: an allocation can grow (and detach) the heap
  const [y, mean, variance, inverseSigma] = outputs.map((info) => heap(backend, info));
  const input = heap(backend, x);
  const [scale, shift] = [heap(backend, gamma), heap(backend, beta)];
  const [sum, sumOfSquares] = channelSums(input, input, channels);
  // y = x * gamma/sigma + (beta - mean * gamma/sigma)
  const factor = new Float64Array(channels);
  const offset = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    const average = sum[c] / count;
    const spread = Math.max(0, sumOfSquares[c] / count - average * average);
    const inverse = 1 / Math.sqrt(spread + epsilon);
    [mean[c], variance[c], inverseSigma[c]] = [average, spread, inverse];
    factor[c] = scale[c] * inverse;
    offset[c] = shift[c] - average * factor[c];
  }
  affine(y, input, factor, offset);
  return outputs;
}

/**
 * dx = gamma / sigma * (dy - mean(dy) - xhat * mean(dy * xhat)) with xhat = (x - mean) / sigma
 * recomputed from x (cheaper than writing and reading back a saved xhat); also dgamma, dbeta.
 */
export function backward(
  backend: WasmBackendLike,
  dy: TensorInfo,
  x: TensorInfo,
  mean: TensorInfo,
  gamma: TensorInfo,
  inverseSigma: TensorInfo,
): TensorInfo[] {
  const { channels, count, outputs } = makeOutputs(backend, dy.shape, 2);
  const [dx, scaleGradient, shiftGradient] = outputs.map((info) => heap(backend, info));
  const upstream = heap(backend, dy);
  const input = heap(backend, x);
  const [average, scale, sigma] = [mean, gamma, inverseSigma].map((info) => heap(backend, info));
  // sum(dy * xhat) = (sum(dy * x) - mean * sum(dy)) / sigma
  const [dySum, dyXSum] = channelSums(upstream, input, channels);
  // dx = dy * a + x * b + d, the formula above expanded per channel
  const [a, b, d] = [0, 1, 2].map(() => new Float64Array(channels));
  for (let c = 0; c < channels; c++) {
    const dyXhatSum = (dyXSum[c] - average[c] * dySum[c]) * sigma[c];
    shiftGradient[c] = dySum[c];
    scaleGradient[c] = dyXhatSum;
    a[c] = scale[c] * sigma[c];
    b[c] = -a[c] * (dyXhatSum / count) * sigma[c];
    d[c] = -a[c] * (dySum[c] / count) - b[c] * average[c];
  }
  affine(dx, upstream, a, d, input, b);
  return outputs;
}
