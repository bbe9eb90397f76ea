// Training kernels for TF.js's wasm backend. It ships a fast XNNPACK Conv2D but no
// Conv2DBackpropFilter (so it cannot train a CNN) and a slow Conv2DBackpropInput. Both gradients
// are convolutions themselves, so they are rewritten here as the backend's own Conv2D over
// transposed, flipped or zero-dilated tensors. Not in any library: TF.js leaves these kernels out.
import * as tf from '@tensorflow/tfjs';
import { registerWasmBatchNorm } from './wasmBatchNorm';

type TensorInfo = tf.TensorInfo;
type ExplicitPad = [[number, number], [number, number], [number, number], [number, number]];

interface WasmBackendLike extends tf.KernelBackend {
  disposeData(dataId: object, force?: boolean): boolean;
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): tf.TypedArray;
}

interface ConvAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** Calls the wasm backend's kernels directly (as its own kernels do) and frees intermediates. */
class KernelCalls {
  private readonly temporaries: TensorInfo[] = [];

  constructor(readonly backend: WasmBackendLike) {}

  /** Frees `info` with the other intermediates at finish. */
  track(info: TensorInfo): TensorInfo {
    this.temporaries.push(info);
    return info;
  }

  run(kernelName: string, inputs: Record<string, TensorInfo>, attrs: object = {}): TensorInfo {
    const kernel = tf.getKernel(kernelName, 'wasm');
    if (!kernel) throw new Error(`the wasm backend has no ${kernelName} kernel`);
    const out = kernel.kernelFunc({
      inputs,
      backend: this.backend,
      attrs: attrs as tf.NamedAttrMap,
    }) as TensorInfo;
    this.temporaries.push(out);
    return out;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  conv(x: TensorInfo, filter: TensorInfo, pad: ExplicitPad, dilations: [number, number]) {
    return this.run(
      'Conv2D',
      { x, filter },
      { strides: [1, 1], pad, dataFormat: 'NHWC', dilations, dimRoundingMode: undefined },
    );
  }

  /** Frees every intermediate except the result (all of them when there is none). */
  finish<T extends TensorInfo | null>(result: T): T {
    for (const info of this.temporaries) {
      if (info !== result) this.backend.disposeData(info.dataId);
    }
    return result;
  }
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
 * Rows of the folded filter-gradient input: I[(kw,ci), yp, 0, (n,ox)] = x[n, yp - top,
 * ox*sx + kw - left, ci] (zero outside x). Written in JavaScript straight into the backend's
 * heap: as a chain of wasm Pad/Slice/Transpose kernels this reshuffle cost more than the conv.
 */
function foldedInput(
  backend: WasmBackendLike,
  x: TensorInfo,
  rows: number,
  filterWidth: number,
  outWidth: number,
  strideX: number,
  top: number,
  left: number,
): TensorInfo {
  const [batch, height, width, channels] = x.shape;
  const rowLength = batch * outWidth;
  const out = backend.makeOutput([filterWidth * channels, rows, 1, rowLength], 'float32');
  const target = backend.typedArrayFromHeap(out) as Float32Array;
  const source = backend.typedArrayFromHeap(x) as Float32Array;
  target.fill(0);
  // Loop order keeps one image row of x ([W, C], a few KB) in cache while its channels are
  // scattered, and writes runs of outWidth consecutive values.
  for (let kw = 0; kw < filterWidth; kw++) {
    const firstOx = Math.max(0, Math.ceil((left - kw) / strideX));
    const lastOx = Math.min(outWidth - 1, Math.floor((width - 1 + left - kw) / strideX));
    for (let yp = 0; yp < rows; yp++) {
      const y = yp - top;
      if (y < 0 || y >= height) continue;
      for (let n = 0; n < batch; n++) {
        const rowStart = (n * height + y) * width;
        for (let ci = 0; ci < channels; ci++) {
          const base = ((kw * channels + ci) * rows + yp) * rowLength + n * outWidth;
          let from = (rowStart + firstOx * strideX + kw - left) * channels + ci;
          const step = strideX * channels;
          for (let ox = firstOx; ox <= lastOx; ox++, from += step) target[base + ox] = source[from];
        }
      }
    }
  }
  return out;
}

/**
 * dW[kh,kw,ci,co] = sum over n,oy,ox of x[n, oy*sy+kh-top, ox*sx+kw-left, ci] * dy[n,oy,ox,co].
 * Folding (n, ox) into the channel axis leaves a convolution over rows only: the folded input
 * [(kw,ci), rows, 1, (n,ox)] convolved with dy as a filter [Ho, 1, (n,ox), Cout] at dilation sy.
 * XNNPACK then sees few, long taps (a direct x^T * dy^T conv has Ho*Wo short ones and ran at a
 * quarter of the speed).
 */
export function filterGradient(
  calls: KernelCalls,
  x: TensorInfo,
  dy: TensorInfo,
  filterShape: number[],
  attrs: ConvAttrs,
): TensorInfo {
  const info = convInfo(x.shape, filterShape, attrs);
  const [strideY, strideX] = stridesOf(attrs.strides);
  const { filterHeight, filterWidth } = info;
  const [batch, outHeight, outWidth, outChannels] = dy.shape;
  const inChannels = x.shape[3];
  const rows = (outHeight - 1) * strideY + filterHeight;
  const input = calls.track(
    foldedInput(
      calls.backend,
      x,
      rows,
      filterWidth,
      outWidth,
      strideX,
      info.padInfo.top,
      info.padInfo.left,
    ),
  );
  const filter = calls.reshape(calls.transpose(dy, [1, 0, 2, 3]), [
    outHeight,
    1,
    batch * outWidth,
    outChannels,
  ]);
  // [(kw,ci), kh, 1, co] -> [kh, kw, ci, co]
  const folded = calls.conv(input, filter, explicitPad(0, 0, 0, 0), [strideY, 1]);
  return calls.transpose(
    calls.reshape(folded, [filterWidth, inChannels, filterHeight, outChannels]),
    [2, 0, 1, 3],
  );
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
  const flipped = calls.transpose(
    calls.run('Reverse', { x: filter }, { dims: [0, 1] }),
    [0, 1, 3, 2],
  );
  return calls.conv(
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
  const nativeInputGradient = tf.getKernel('Conv2DBackpropInput', 'wasm');
  if (!nativeInputGradient) {
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
  for (const kernelName of ['Sum', 'Mean']) {
    const native = tf.getKernel(kernelName, 'wasm')!;
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({
      kernelName,
      backendName: 'wasm',
      setupFunc: native.setupFunc,
      kernelFunc: (args) => {
        const { axis, keepDims } = args.attrs as unknown as { axis: number[]; keepDims: boolean };
        const x = (args.inputs as { x: TensorInfo }).x;
        const backend = args.backend as WasmBackendLike;
        return (
          reduceLeadingAxes(backend, x, axis, keepDims, kernelName === 'Mean') ??
          native.kernelFunc(args)
        );
      },
    });
  }
  tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
  tf.registerKernel({
    kernelName: 'Conv2DBackpropInput',
    backendName: 'wasm',
    setupFunc: nativeInputGradient.setupFunc,
    kernelFunc: (args) => {
      const calls = new KernelCalls(args.backend as WasmBackendLike);
      const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
      const { inputShape } = args.attrs as unknown as { inputShape: number[] };
      const result = inputGradient(
        calls,
        dy,
        filter,
        inputShape,
        args.attrs as unknown as ConvAttrs,
      );
      return calls.finish(result) ?? nativeInputGradient.kernelFunc(args);
    },
  });
  registerWasmBatchNorm();
  registered = true;
}
