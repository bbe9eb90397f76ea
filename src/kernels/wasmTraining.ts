// Registers the training kernels TF.js's wasm backend lacks or runs slowly: the conv gradients
// (./wasmFilterGradient, ./wasmInputGradient), and the replacements of ./wasmConv, ./wasmMatMul,
// ./wasmCopies and ./wasmBatchNorm. Not in any library: TF.js leaves these out.
import * as tf from '@tensorflow/tfjs';
import { type ConvAttrs, type TensorInfo } from './convGradientShared';
import { inferenceBatchNorm, registerWasmBatchNorm } from './wasmBatchNorm';
import { PixelSplit } from './kernelThreads';
import { KernelCalls, pointerOf, replaceWasmKernel, type WasmBackendLike } from './wasmHeap';
import { filterGradient } from './wasmFilterGradient';
import { inputGradient } from './wasmInputGradient';
import { registerWasmMatMul } from './wasmMatMul';
import { registerWasmConv } from './wasmConv';
import { registerWasmCopies } from './wasmCopies';
import { backendMemory, elementwiseSimd } from './wasmSimd';

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
