// The input gradient of a conv on TF.js's wasm backend, whose own is slow: a Conv2D (./wasmConv,
// or XNNPACK's without SIMD) over the flipped filter; a strided conv's output phases in one
// Conv2D, interleaved by a SIMD kernel.
import * as tf from '@tensorflow/tfjs';
import {
  conv,
  convInfo,
  explicitPad,
  stridesOf,
  type ConvAttrs,
  type TensorInfo,
} from './convGradientShared';
import { PixelSplit } from './kernelThreads';
import { KernelCalls, pointerOf, type WasmBackendLike } from './wasmHeap';
import { backendMemory, phasesSimd } from './wasmSimd';

/** Inserts stride-1 zeros after every row and column: [N,Ho,Wo,C] -> [N,Ho*sy,Wo*sx,C]. */
function dilateWithZeros(calls: KernelCalls, dy: TensorInfo, strideY: number, strideX: number) {
  const [batch, outHeight, outWidth, channels] = dy.shape;
  let widened = dy;
  if (strideX > 1) {
    widened = calls.run(
      'PadV2',
      { x: calls.reshape(dy, [batch * outHeight, outWidth, 1, channels]) },
      { paddings: explicitPad(0, 0, 0, strideX - 1), constantValue: 0 },
    );
  }
  if (strideY === 1)
    return calls.reshape(widened, [batch, outHeight, outWidth * strideX, channels]);
  const tall = calls.run(
    'PadV2',
    { x: calls.reshape(widened, [batch * outHeight, 1, outWidth * strideX, channels]) },
    { paddings: explicitPad(0, strideY - 1, 0, 0), constantValue: 0 },
  );
  return calls.reshape(tall, [batch, outHeight * strideY, outWidth * strideX, channels]);
}

/** Per output phase p (position mod stride) of one axis: its taps [k, d], dx[i] += dy[i + d] W[k]. */
function phaseTaps(size: number, pad: number, stride: number) {
  const taps: [number, number][][] = [];
  let [low, high] = [Infinity, -Infinity];
  for (let p = 0; p < stride; p++) {
    taps.push([]);
    for (let k = 0; k < size; k++) {
      if ((((p + pad - k) % stride) + stride) % stride !== 0) continue;
      const d = (p + pad - k) / stride;
      taps[p].push([k, d]);
      [low, high] = [Math.min(low, d), Math.max(high, d)];
    }
  }
  return { taps, low, high };
}

/**
 * dx of a strided conv as one stride-1 conv of dy and a stride-by-stride DepthToSpace: output
 * phase (py, px) (y mod sy, x mod sx) of dx only meets the taps of W whose offsets match it, so
 * the s*s phases are the output channels of a conv with a small kernel ([T, T], T = 2 for a
 * 3x3 kernel at stride 2), interleaved into dx by simd/phases.wat. Correlating the zero-dilated
 * dy with the whole kernel instead does 4x a forward conv's work at stride 2 (and took 3.8x its
 * time); this does 16/9 of it. Returns null where it does not apply (unequal strides, a tap that
 * skips dy's first rows, no WebAssembly SIMD).
 */
function phasedInputGradient(
  calls: KernelCalls,
  dy: TensorInfo,
  filter: TensorInfo,
  inputShape: number[],
  info: tf.backend_util.Conv2DInfo,
): TensorInfo | null {
  const { strideHeight: stride, strideWidth, filterHeight, filterWidth } = info;
  if (stride !== strideWidth || stride < 2 || filter.dtype !== 'float32') return null;
  const simd = phasesSimd(calls.backend);
  if (!simd) return null;
  const [batch, height, width, inChannels] = inputShape;
  const [, outHeight, outWidth, outChannels] = dy.shape;
  const rows = phaseTaps(filterHeight, info.padInfo.top, stride);
  const columns = phaseTaps(filterWidth, info.padInfo.left, stride);
  if (rows.low > 0 || columns.low > 0) return null;
  const [tall, wide] = [rows.high - rows.low + 1, columns.high - columns.low + 1];
  const phases = stride * stride;
  // F[ty, tx, co, (py * s + px) * Cin + ci] = W[kh, kw, ci, co] for the phase's taps, else 0
  const combined = calls.track(
    calls.backend.makeOutput([tall, wide, outChannels, phases * inChannels], 'float32'),
  );
  const target = calls.backend.typedArrayFromHeap(combined) as Float32Array;
  const weights = calls.backend.typedArrayFromHeap(filter) as Float32Array;
  target.fill(0);
  for (let py = 0; py < stride; py++) {
    for (const [kh, dyOffset] of rows.taps[py]) {
      for (let px = 0; px < stride; px++) {
        for (const [kw, dxOffset] of columns.taps[px]) {
          const tap = ((dyOffset - rows.low) * wide + (dxOffset - columns.low)) * outChannels;
          const channel = (py * stride + px) * inChannels;
          for (let ci = 0; ci < inChannels; ci++) {
            const from = ((kh * filterWidth + kw) * inChannels + ci) * outChannels;
            for (let co = 0; co < outChannels; co++) {
              target[(tap + co) * phases * inChannels + channel + ci] = weights[from + co];
            }
          }
        }
      }
    }
  }
  // phase row i reads dy rows i + low .. i + high: pad before by -low, after to cover the last
  const [phaseRows, phaseColumns] = [Math.ceil(height / stride), Math.ceil(width / stride)];
  const pad = explicitPad(
    -rows.low,
    Math.max(0, phaseRows + rows.high - outHeight),
    -columns.low,
    Math.max(0, phaseColumns + columns.high - outWidth),
  );
  const phased = conv(calls, dy, combined, pad, [1, 1]);
  const out = calls.backend.makeOutput(inputShape, 'float32');
  const [, phaseRowsOut, phaseColumnsOut] = phased.shape;
  const [outAt, phasedAt] = [out, phased].map((info) => pointerOf(calls.backend, info));
  const imageValues = height * width * inChannels;
  const phasedImageBytes = 4 * phaseRowsOut * phaseColumnsOut * phases * inChannels;
  // the images split over the kernel threads
  new PixelSplit(simd, backendMemory(calls.backend), batch, imageValues).run(
    ['phases', 'interleave'],
    (byteOffset, images) => [
      outAt + byteOffset,
      phasedAt + (byteOffset / (4 * imageValues)) * phasedImageBytes,
      images,
      phaseRowsOut,
      phaseColumnsOut,
      stride,
      inChannels,
      height,
      width,
    ],
  );
  return calls.track(out);
}

/**
 * W flipped in space with its channel axes swapped, [kh, kw, ci, co] -> [kh', kw', co, ci], in one
 * pass: the backend's Reverse and Transpose took 0.8 ms for a 3x3x64x64 filter (6 ms a ResNet-20
 * step, on one thread whatever the others do).
 */
function flippedFilter(backend: WasmBackendLike, filter: TensorInfo): TensorInfo {
  const [height, width, inChannels, outChannels] = filter.shape;
  const out = backend.makeOutput([height, width, outChannels, inChannels], 'float32');
  const target = backend.typedArrayFromHeap(out);
  const source = backend.typedArrayFromHeap(filter);
  const taps = height * width;
  for (let tap = 0; tap < taps; tap++) {
    const from = tap * inChannels * outChannels;
    const to = (taps - 1 - tap) * inChannels * outChannels;
    for (let ci = 0; ci < inChannels; ci++) {
      for (let co = 0, at = from + ci * outChannels; co < outChannels; co++, at++) {
        target[to + co * inChannels + ci] = source[at];
      }
    }
  }
  return out;
}

/**
 * dx = the full correlation of dy (zero-dilated by the stride) with W flipped in space and with
 * its channel axes swapped. Returns null where the padding would be negative (an explicit pad
 * larger than the kernel), so the backend's own kernel handles that case.
 */
export function inputGradient(
  calls: KernelCalls,
  dy: TensorInfo,
  filter: TensorInfo,
  inputShape: number[],
  attrs: ConvAttrs,
): TensorInfo | null {
  const info = convInfo(inputShape, filter.shape, attrs);
  const phased = phasedInputGradient(calls, dy, filter, inputShape, info);
  if (phased) return phased;
  const [strideY, strideX] = stridesOf(attrs.strides);
  const [, height, width] = inputShape;
  const { filterHeight, filterWidth } = info;
  const top = filterHeight - 1 - info.padInfo.top;
  const left = filterWidth - 1 - info.padInfo.left;
  // dilateWithZeros leaves stride-1 zero rows after the last row, hence the subtraction.
  const bottom = height + filterHeight - 1 - top - dy.shape[1] * strideY;
  const right = width + filterWidth - 1 - left - dy.shape[2] * strideX;
  if (Math.min(top, left, bottom + strideY - 1, right + strideX - 1) < 0) return null;
  let spread = dilateWithZeros(calls, dy, strideY, strideX);
  if (bottom < 0 || right < 0) {
    const [batch, tall, wide, channels] = spread.shape;
    spread = calls.run(
      'Slice',
      { x: spread },
      {
        begin: [0, 0, 0, 0],
        size: [batch, tall + Math.min(bottom, 0), wide + Math.min(right, 0), channels],
      },
    );
  }
  const flipped =
    filter.dtype === 'float32'
      ? calls.track(flippedFilter(calls.backend, filter))
      : calls.transpose(calls.run('Reverse', { x: filter }, { dims: [0, 1] }), [0, 1, 3, 2]);
  return conv(
    calls,
    spread,
    flipped,
    explicitPad(top, Math.max(bottom, 0), left, Math.max(right, 0)),
    [1, 1],
  );
}
