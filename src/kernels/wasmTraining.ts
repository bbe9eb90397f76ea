// Training kernels for TF.js's wasm backend. It ships a fast XNNPACK Conv2D but no
// Conv2DBackpropFilter (so it cannot train a CNN) and a slow Conv2DBackpropInput. The filter
// gradient is a SIMD kernel of ./simd that reads x and dy where they lie, on the kernel threads
// (./kernelThreads) where the heap is shared; the input gradient is a Conv2D (./wasmConv, or
// XNNPACK's without SIMD) over the flipped filter (strided convs: one Conv2D for all output
// phases, interleaved by a SIMD kernel). Without WebAssembly SIMD, JavaScript loops and XNNPACK
// matrix products stand in. This file also registers the other replacements (./wasmConv,
// ./wasmMatMul, ./wasmCopies, ./wasmBatchNorm). Not in any library: TF.js leaves these out.
import * as tf from '@tensorflow/tfjs';
import { inferenceBatchNorm, registerWasmBatchNorm } from './wasmBatchNorm';
import { insideRange, runFilterGradientJob, type FilterGradientJob } from './filterGradientJob';
import { kernelThreadsFor, PixelSplit, SPLIT_MIN_MACS } from './kernelThreads';
import { KernelCalls, pointerOf, replaceWasmKernel, type WasmBackendLike } from './wasmHeap';
import { registerWasmMatMul } from './wasmMatMul';
import { registerWasmConv } from './wasmConv';
import { registerWasmCopies } from './wasmCopies';
import {
  backendMemory,
  elementwiseSimd,
  filterGradientSimd,
  phasesSimd,
  type FilterGradientSimd,
} from './wasmSimd';

type TensorInfo = tf.TensorInfo;
type ExplicitPad = [[number, number], [number, number], [number, number], [number, number]];

interface ConvAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** A stride-1 Conv2D of the backend with explicit padding and dilations. */
function conv(
  calls: KernelCalls,
  x: TensorInfo,
  filter: TensorInfo,
  pad: ExplicitPad,
  dilations: [number, number],
): TensorInfo {
  return calls.run(
    'Conv2D',
    { x, filter },
    { strides: [1, 1], pad, dataFormat: 'NHWC', dilations, dimRoundingMode: undefined },
  );
}

function stridesOf(strides: ConvAttrs['strides']): [number, number] {
  return typeof strides === 'number' ? [strides, strides] : strides;
}

function convInfo(xShape: number[], filterShape: number[], attrs: ConvAttrs) {
  if (attrs.dataFormat === 'NCHW') throw new Error('wasm conv gradients support NHWC only');
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
}

function explicitPad(top: number, bottom: number, left: number, right: number): ExplicitPad {
  return [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
}

/**
 * The transposed im2col matrix of x: P[(kh,kw,ci), (n,oy,ox)] = x[n, oy*sy + kh - top,
 * ox*sx + kw - left, ci], zero outside x. `planes` is x channel-major ([C, N, H, W]), so every
 * row is read and written in runs; where the conv keeps the image size at stride 1 (ResNet's
 * 3x3 'same' convs) a row is one shifted copy of a whole channel (a native memmove) with the
 * wrapped-around borders zeroed after.
 */
function transposedPatches(
  backend: WasmBackendLike,
  planes: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  [first, batch]: [first: number, count: number],
): TensorInfo {
  const [channels, images, height, width] = planes.shape;
  const { filterHeight, filterWidth, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { top, left } = info.padInfo;
  const columns = batch * outHeight * outWidth;
  const out = backend.makeOutput([filterHeight * filterWidth * channels, columns], 'float32');
  // one view of the whole heap, taken after the allocation (which can grow and detach it)
  const target = backend.typedArrayFromHeap(out) as Float32Array;
  const memory = new Float32Array(target.buffer);
  const source = (backend.typedArrayFromHeap(planes) as Float32Array).byteOffset / 4;
  const sameSize = strideHeight === 1 && strideWidth === 1;
  const wholePlanes = sameSize && outHeight === height && outWidth === width;
  let row = target.byteOffset / 4;
  for (let kh = 0; kh < filterHeight; kh++) {
    const offsetY = kh - top;
    const [firstOy, lastOy] = insideRange(offsetY, strideHeight, height, outHeight);
    for (let kw = 0; kw < filterWidth; kw++) {
      const offsetX = kw - left;
      const [firstOx, lastOx] = insideRange(offsetX, strideWidth, width, outWidth);
      for (let ci = 0; ci < channels; ci++, row += columns) {
        const channel = source + (ci * images + first) * height * width;
        if (wholePlanes) {
          const shift = offsetY * width + offsetX;
          const from = Math.max(0, -shift);
          const to = Math.min(columns, columns - shift);
          memory.copyWithin(row + from, channel + from + shift, channel + to + shift);
          memory.fill(0, row, row + from);
          memory.fill(0, row + to, row + columns);
          for (let n = 0; n < batch; n++) {
            const image = row + n * height * width;
            memory.fill(0, image, image + firstOy * width);
            memory.fill(0, image + (lastOy + 1) * width, image + height * width);
            if (firstOx === 0 && lastOx === width - 1) continue;
            // a column or two a line: plain stores beat a fill call each
            for (let oy = firstOy; oy <= lastOy; oy++) {
              const line = image + oy * width;
              for (let ox = 0; ox < firstOx; ox++) memory[line + ox] = 0;
              for (let ox = lastOx + 1; ox < width; ox++) memory[line + ox] = 0;
            }
          }
          continue;
        }
        for (let n = 0; n < batch; n++) {
          const image = row + n * outHeight * outWidth;
          memory.fill(0, image, image + firstOy * outWidth);
          memory.fill(0, image + (lastOy + 1) * outWidth, image + outHeight * outWidth);
          for (let oy = firstOy; oy <= lastOy; oy++) {
            const line = image + oy * outWidth;
            let from = channel + (n * height + oy * strideHeight + offsetY) * width;
            from += firstOx * strideWidth + offsetX;
            for (let ox = 0; ox < firstOx; ox++) memory[line + ox] = 0;
            for (let ox = firstOx; ox <= lastOx; ox++, from += strideWidth) {
              memory[line + ox] = memory[from];
            }
            for (let ox = lastOx + 1; ox < outWidth; ox++) memory[line + ox] = 0;
          }
        }
      }
    }
  }
  return out;
}

/** Rows [first, first + count) of `matrix` ([rows, columns]) as a tensor of their own. */
function copyRows(backend: WasmBackendLike, matrix: TensorInfo, first: number, count: number) {
  const columns = matrix.shape[1];
  const out = backend.makeOutput([count, columns], 'float32');
  const target = backend.typedArrayFromHeap(out) as Float32Array;
  const source = backend.typedArrayFromHeap(matrix) as Float32Array;
  target.set(source.subarray(first * columns, (first + count) * columns));
  return out;
}

/**
 * Values of dy per matrix product (see filterGradient). XNNPACK does not block the long sum over
 * N*Ho*Wo positions; chunks whose packed dy (256 KB) and patches stay in the L2 and L3 caches
 * ran about 10% faster at batch 128 than one product over the whole batch (and need a fraction
 * of its 75 MB of patches at 16 channels on 32x32).
 */
const DY_VALUES_PER_CHUNK = 65536;

/**
 * dW[kh,kw,ci,co] = sum over n,oy,ox of x[n, oy*sy+kh-top, ox*sx+kw-left, ci] * dy[n,oy,ox,co].
 * With WebAssembly SIMD: simd/filterGradient.wat straight from x and dy, split over the kernel
 * threads (directFilterGradient; 0.9-1.3x a forward conv's time at batch 128). Without: P dy
 * with P the transposed im2col matrix of x ([(kh,kw,ci), (n,oy,ox)]) built by JavaScript from a
 * channel-major copy of x, and dy as it lies ([(n,oy,ox), co]), as XNNPACK matrix products, one
 * per chunk of images, whose summed result is already in [kh,kw,ci,co] order. (An im2col built
 * by a SIMD kernel and XNNPACK's product took 1.3-1.7x a forward conv: the product packs dy on
 * every call and streams both operands over the long sum.)
 */
export function filterGradient(
  calls: KernelCalls,
  x: TensorInfo,
  dy: TensorInfo,
  filterShape: number[],
  attrs: ConvAttrs,
  dyValuesPerChunk = DY_VALUES_PER_CHUNK,
): TensorInfo {
  const info = convInfo(x.shape, filterShape, attrs);
  const direct = x.dtype === 'float32' ? filterGradientSimd(calls.backend) : null;
  if (direct) return paddedFilterGradient(direct, calls, x, dy, info, filterShape);
  const [batch, outHeight, outWidth, outChannels] = dy.shape;
  const pixels = outHeight * outWidth;
  const planes = calls.transpose(x, [3, 0, 1, 2]);
  const rows = calls.reshape(dy, [batch * pixels, outChannels]);
  const chunk = Math.max(1, Math.floor(dyValuesPerChunk / (pixels * outChannels)));
  const size = tf.util.sizeFromShape(filterShape);
  const total = new Float32Array(size);
  for (let first = 0; first < batch; first += chunk) {
    const count = Math.min(chunk, batch - first);
    const part = new KernelCalls(calls.backend);
    const patches = part.track(transposedPatches(calls.backend, planes, info, [first, count]));
    const b =
      count === batch
        ? rows
        : part.track(copyRows(calls.backend, rows, first * pixels, count * pixels));
    const product = part.run(
      'BatchMatMul',
      { a: patches, b },
      { transposeA: false, transposeB: false },
    );
    const values = calls.backend.typedArrayFromHeap(product) as Float32Array;
    for (let i = 0; i < size; i++) total[i] += values[i];
    part.finish(null);
  }
  const out = calls.track(calls.backend.makeOutput(filterShape, 'float32'));
  (calls.backend.typedArrayFromHeap(out) as Float32Array).set(total);
  return out;
}

/**
 * dW (as in filterGradient) from simd/filterGradient.wat, which reads x and dy where they lie:
 * no im2col copy and no packing, fused multiply-adds where the engine has relaxed SIMD, the
 * images split over the kernel threads where there are some (each thread its own copy of dW,
 * added up after). `filterShape` holds channel counts rounded up to multiples of 4; x and dy may
 * have fewer per pixel (see paddedFilterGradient).
 */
function directFilterGradient(
  simd: FilterGradientSimd,
  backend: WasmBackendLike,
  x: TensorInfo,
  dy: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  filterShape: number[],
): TensorInfo {
  const [batch, height, width, xChannels] = x.shape;
  const [, outHeight, outWidth, dyChannels] = dy.shape;
  const [, , channels, outChannels] = filterShape;
  const macs = tf.util.sizeFromShape(dy.shape) * info.filterHeight * info.filterWidth * xChannels;
  const memory = macs >= SPLIT_MIN_MACS ? backendMemory(backend) : null;
  const pool = memory ? kernelThreadsFor(memory) : null;
  const parts = pool?.threads ?? 1;
  const out = backend.makeOutput(filterShape, 'float32');
  backend.typedArrayFromHeap(out).fill(0);
  // the images split between threads, each but the caller's summing its own copy of dW
  const size = tf.util.sizeFromShape(filterShape);
  const scratch =
    parts > 1 && batch >= parts ? backend.makeOutput([(parts - 1) * size], 'float32') : null;
  if (scratch) backend.typedArrayFromHeap(scratch).fill(0);
  // byte offsets, taken after the allocations
  const job: FilterGradientJob = {
    dw: pointerOf(backend, out),
    x: pointerOf(backend, x),
    dy: pointerOf(backend, dy),
    batch,
    height,
    width,
    channels,
    outHeight,
    outWidth,
    outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
    scratch: scratch ? pointerOf(backend, scratch) : 0,
    xChannels,
    dyChannels,
  };
  if (pool) pool.runFilterGradient(simd, job);
  else runFilterGradientJob(simd, job);
  if (scratch) backend.disposeData(scratch.dataId);
  return out;
}

/**
 * directFilterGradient for any channel counts (the 3-channel stem, a pruned rank): dW computed
 * with both counts rounded up to multiples of 4, and the padding's rows and columns dropped.
 */
function paddedFilterGradient(
  simd: FilterGradientSimd,
  calls: KernelCalls,
  x: TensorInfo,
  dy: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  filterShape: number[],
): TensorInfo {
  const [filterHeight, filterWidth, channels, outChannels] = filterShape;
  const [padded, outPadded] = [channels, outChannels].map((n) => Math.ceil(n / 4) * 4);
  // the kernel reads a pixel's leftover channels in whole tiles of 4, up to 3 values past the
  // last pixel, into dW's padding: where the heap ends sooner, zero channels are copied in
  const readable = (info: TensorInfo) => {
    const values = calls.backend.typedArrayFromHeap(info);
    return values.byteOffset + values.byteLength + 12 <= values.buffer.byteLength;
  };
  const [xRead, dyRead] = [
    readable(x) ? x : calls.padLastAxis(x, padded),
    readable(dy) ? dy : calls.padLastAxis(dy, outPadded),
  ];
  const dwPadded = calls.track(
    directFilterGradient(simd, calls.backend, xRead, dyRead, info, [
      filterHeight,
      filterWidth,
      padded,
      outPadded,
    ]),
  );
  if (padded === channels && outPadded === outChannels) return dwPadded;
  const out = calls.track(calls.backend.makeOutput(filterShape, 'float32'));
  const target = calls.backend.typedArrayFromHeap(out) as Float32Array;
  const source = calls.backend.typedArrayFromHeap(dwPadded) as Float32Array;
  for (let row = 0; row < filterHeight * filterWidth * padded; row++) {
    if (row % padded >= channels) continue;
    const at = row * outPadded;
    const to = (Math.floor(row / padded) * channels + (row % padded)) * outChannels;
    target.set(source.subarray(at, at + outChannels), to);
  }
  return out;
}

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

/**
 * Sum or mean over leading axes (per-channel statistics of NHWC activations, as batch norm
 * needs) in one JavaScript pass over the heap. The backend's kernels transpose the whole tensor
 * first when the reduced axes are not the innermost ones.
 */
function reduceLeadingAxes(
  backend: WasmBackendLike,
  x: TensorInfo,
  axis: number | number[],
  keepDims: boolean,
  mean: boolean,
): TensorInfo | null {
  const axes = [...new Set(tf.util.parseAxisParam(axis, x.shape))].sort((a, b) => a - b);
  const leading = axes.length > 0 && axes.every((a, i) => a === i) && axes.length < x.shape.length;
  if (!leading || x.dtype !== 'float32') return null;
  const kept = x.shape.slice(axes.length);
  const width = tf.util.sizeFromShape(kept);
  const count = tf.util.sizeFromShape(x.shape.slice(0, axes.length));
  const accumulator = new Float64Array(width);
  const source = backend.typedArrayFromHeap(x) as Float32Array;
  for (let row = 0, at = 0; row < count; row++) {
    for (let column = 0; column < width; column++, at++) accumulator[column] += source[at];
  }
  const outShape = keepDims ? [...axes.map(() => 1), ...kept] : kept;
  const out = backend.makeOutput(outShape, 'float32');
  const target = backend.typedArrayFromHeap(out) as Float32Array;
  for (let column = 0; column < width; column++) {
    target[column] = mean ? accumulator[column] / count : accumulator[column];
  }
  return out;
}

let registered = false;

/** Registers the wasm conv gradients (once). Call after importing @tensorflow/tfjs-backend-wasm. */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  if (!tf.getKernel('Conv2DBackpropInput', 'wasm')) {
    throw new Error('the wasm backend is not loaded: import @tensorflow/tfjs-backend-wasm first');
  }
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const calls = new KernelCalls(backend as WasmBackendLike);
      const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
      const { filterShape } = attrs as unknown as { filterShape: number[] };
      const result = filterGradient(calls, x, dy, filterShape, attrs as unknown as ConvAttrs);
      return calls.finish(result);
    },
  });
  for (const kernelName of ['Sum', 'Mean'])
    replaceWasmKernel(kernelName, (args, native) => {
      const { axis, keepDims } = args.attrs as unknown as { axis: number[]; keepDims: boolean };
      const x = (args.inputs as { x: TensorInfo }).x;
      const backend = args.backend as WasmBackendLike;
      return (
        reduceLeadingAxes(backend, x, axis, keepDims, kernelName === 'Mean') ??
        native.kernelFunc(args)
      );
    });
  replaceWasmKernel('Conv2DBackpropInput', (args, native) => {
    const calls = new KernelCalls(args.backend as WasmBackendLike);
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const { inputShape } = args.attrs as unknown as { inputShape: number[] };
    const result = inputGradient(calls, dy, filter, inputShape, args.attrs as unknown as ConvAttrs);
    return calls.finish(result) ?? native.kernelFunc(args);
  });
  registerWasmMatMul();
  registerWasmConv();
  registerWasmCopies();
  registerFusedReluGradient();
  replaceWasmKernel('FusedBatchNorm', (args, native) => {
    const { varianceEpsilon } = args.attrs as unknown as { varianceEpsilon: number };
    const inputs = args.inputs as Record<string, TensorInfo>;
    const backend = args.backend as WasmBackendLike;
    return inferenceBatchNorm(backend, inputs, varianceEpsilon) ?? native.kernelFunc(args);
  });
  registerWasmBatchNorm();
  registered = true;
}

/** dx = x > 0 ? dy : 0 in one pass (see registerFusedReluGradient). */
const RELU_GRAD = 'LowrankReluGrad';

/**
 * ReLU's gradient on wasm as one SIMD pass split over the kernel threads: TF.js computes it as
 * mul(dy, cast(step(x))), three single-threaded passes and two temporaries over every activation
 * (about 15 ms of a batch-128 ResNet-20 step). The gradient is registered for every backend, so
 * the others keep TF.js's own formula.
 */
function registerFusedReluGradient(): void {
  tf.registerKernel({
    kernelName: RELU_GRAD,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const { dy, x } = inputs as { dy: TensorInfo; x: TensorInfo };
      const wasm = backend as unknown as WasmBackendLike;
      const out = wasm.makeOutput(x.shape, 'float32');
      const size = tf.util.sizeFromShape(x.shape);
      const simd = elementwiseSimd(wasm);
      if (!simd) {
        const [dx, gradient, input] = [out, dy, x].map((info) => wasm.typedArrayFromHeap(info));
        for (let i = 0; i < size; i++) dx[i] = input[i] > 0 ? gradient[i] : 0;
        return out;
      }
      const [outAt, dyAt, xAt] = [out, dy, x].map((info) => pointerOf(wasm, info));
      new PixelSplit(simd, backendMemory(wasm), size, 1).run(
        ['elementwise', 'reluGrad'],
        (at, count) => [outAt + at, dyAt + at, xAt + at, count],
      );
      return out;
    },
  });
  const original = tf.getGradient('Relu');
  tf.registerGradient({
    ...original,
    gradFunc: (dy, saved, attrs) => {
      const gradient = dy as tf.Tensor;
      if (tf.getBackend() !== 'wasm' || gradient.dtype !== 'float32') {
        return original.gradFunc(dy, saved, attrs);
      }
      const [x] = saved;
      return { x: () => tf.engine().runKernel(RELU_GRAD, { dy: gradient, x }) as tf.Tensor };
    },
  });
}
