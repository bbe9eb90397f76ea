// The filter gradient of a conv on TF.js's wasm backend, which has none (so it cannot train a
// CNN): a SIMD kernel of ./simd that reads x and dy where they lie, split over the kernel threads
// where the heap is shared; without WebAssembly SIMD, JavaScript loops and XNNPACK products.
import * as tf from '@tensorflow/tfjs';
import { convInfo, type ConvAttrs, type TensorInfo } from './convGradientShared';
import { insideRange, runFilterGradientJob, type FilterGradientJob } from './filterGradientJob';
import { kernelThreadsFor, SPLIT_MIN_MACS } from './kernelThreads';
import { KernelCalls, pointerOf, type WasmBackendLike } from './wasmHeap';
import { backendMemory, filterGradientSimd, type FilterGradientSimd } from './wasmSimd';

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
 * per chunk of images, whose summed result is already in [kh,kw,ci,co] order.
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
