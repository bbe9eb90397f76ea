// Copies for the wasm backend that its own kernels make slowly or needlessly: Identity (no copy
// at all), the 1x1 average pool's gradient (a strided copy), and slices and zero pads of the last
// axis only (the option-A shortcut's channel pad and its gradient, the stem's channel padding for
// the filter gradient), which TF.js's Slice and PadV2 walk element by element.
import * as tf from '@tensorflow/tfjs';
import { PixelSplit } from './kernelThreads';
import { pointerOf, replaceWasmKernel, type WasmBackendLike } from './wasmHeap';
import { backendMemory, elementwiseSimd } from './wasmSimd';

type TensorInfo = tf.TensorInfo;

/**
 * Identity without a copy, as the cpu and WebGL backends have it: the wasm backend copied every
 * tensor passed through tf.identity (gradients pass a ResNet-20's activations through it about
 * 80 times a step: 17 ms at batch 128). Kernels never write their inputs, so sharing is safe.
 */
function registerSharedIdentity(): void {
  replaceWasmKernel('Identity', (args, native) => {
    const { x } = args.inputs as { x: TensorInfo };
    if (x.dtype === 'string') return native.kernelFunc(args);
    (args.backend as WasmBackendLike & { incRef(dataId: object): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  });
}

/**
 * AvgPoolGrad of a 1x1 window (the ResNets' option-A shortcut subsamples with one): dy lands
 * on every stride-th pixel of a zeroed dx. The backend's general kernel walks every window and
 * took 9 ms a batch-128 step for what is a strided copy; other windows keep it.
 */
function registerSubsamplingPoolGrad(): void {
  replaceWasmKernel('AvgPoolGrad', (args, native) => {
    const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
    const { filterSize, strides, pad } = args.attrs as unknown as {
      filterSize: number | [number, number];
      strides: number | [number, number];
      pad: unknown;
    };
    const [fy, fx] = typeof filterSize === 'number' ? [filterSize, filterSize] : filterSize;
    const [sy, sx] = typeof strides === 'number' ? [strides, strides] : strides;
    if (fy !== 1 || fx !== 1 || pad !== 'valid' || dy.dtype !== 'float32')
      return native.kernelFunc(args);
    const backend = args.backend as WasmBackendLike;
    const [batch, height, width, channels] = input.shape;
    const [, outHeight, outWidth] = dy.shape;
    const out = backend.makeOutput(input.shape, 'float32');
    const dx = backend.typedArrayFromHeap(out) as Float32Array;
    const source = backend.typedArrayFromHeap(dy) as Float32Array;
    dx.fill(0);
    for (let n = 0, from = 0; n < batch; n++) {
      for (let oy = 0; oy < outHeight; oy++) {
        let to = (n * height + oy * sy) * width * channels;
        for (let ox = 0; ox < outWidth; ox++, from += channels, to += sx * channels) {
          dx.set(source.subarray(from, from + channels), to);
        }
      }
    }
    return out;
  });
}

/**
 * out[r, outBegin + j] = x[r, inBegin + j] over rows of the last axis, by the SIMD kernel split
 * over the kernel threads, or a JavaScript loop without SIMD. `out` is already zeroed where the
 * copy does not reach.
 */
function copyColumns(
  backend: WasmBackendLike,
  out: TensorInfo,
  outBegin: number,
  x: TensorInfo,
  inBegin: number,
  count: number,
): void {
  const outWidth = out.shape[out.shape.length - 1];
  const inWidth = x.shape[x.shape.length - 1];
  const rows = tf.util.sizeFromShape(out.shape) / Math.max(1, outWidth);
  const simd = elementwiseSimd(backend);
  if (!simd) {
    const [target, source] = [out, x].map((info) => backend.typedArrayFromHeap(info));
    for (let r = 0; r < rows; r++) {
      const from = r * inWidth + inBegin;
      target.set(source.subarray(from, from + count), r * outWidth + outBegin);
    }
    return;
  }
  const [outAt, xAt] = [out, x].map((info) => pointerOf(backend, info));
  new PixelSplit(simd, backendMemory(backend), rows, outWidth).run(
    ['elementwise', 'copyColumns'],
    (byteOffset, partRows) => {
      const first = byteOffset / (4 * outWidth);
      return [
        outAt + byteOffset,
        outWidth,
        outBegin,
        xAt + 4 * first * inWidth,
        inWidth,
        inBegin,
        partRows,
        count,
      ];
    },
  );
}

/** Whether only the last axis of `x` changes: every other axis begins at 0 and keeps its size. */
const lastAxisOnly = (shape: number[], begin: number[], size: number[]) =>
  shape.every(
    (extent, axis) => axis === shape.length - 1 || (begin[axis] === 0 && size[axis] === extent),
  );

function registerColumnCopies(): void {
  replaceWasmKernel('Slice', (args, native) => {
    const { x } = args.inputs as { x: TensorInfo };
    const attrs = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
    if (x.dtype !== 'float32' || x.shape.length === 0) return native.kernelFunc(args);
    const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, attrs.begin, attrs.size);
    if (!lastAxisOnly(x.shape, begin, size)) return native.kernelFunc(args);
    const backend = args.backend as WasmBackendLike;
    const out = backend.makeOutput(size, 'float32');
    const last = x.shape.length - 1;
    copyColumns(backend, out, 0, x, begin[last], size[last]);
    return out;
  });
  replaceWasmKernel('PadV2', (args, native) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { paddings, constantValue } = args.attrs as unknown as {
      paddings: [number, number][];
      constantValue: number;
    };
    const last = x.shape.length - 1;
    const shape = x.shape.map((extent, axis) => extent + paddings[axis][0] + paddings[axis][1]);
    const begin = paddings.map(([before]) => before);
    const plain = x.dtype === 'float32' && constantValue === 0 && last >= 0;
    if (!plain || !lastAxisOnly(shape, begin, x.shape)) return native.kernelFunc(args);
    const backend = args.backend as WasmBackendLike;
    const out = backend.makeOutput(shape, 'float32');
    backend.typedArrayFromHeap(out).fill(0);
    copyColumns(backend, out, paddings[last][0], x, 0, x.shape[last]);
    return out;
  });
}

/** Registers the copies above on the wasm backend (once, with the training kernels). */
export function registerWasmCopies(): void {
  registerSharedIdentity();
  registerSubsamplingPoolGrad();
  registerColumnCopies();
}
