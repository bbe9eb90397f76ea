// Training-mode batch norm as two fused kernels for the wasm backend: forward (statistics and
// normalisation) and backward, two passes over the activations each. Composed from TF.js ops,
// batch norm costs about fifteen full passes a layer (moments, broadcasts, reductions), which was
// a quarter of a ResNet-20 step on wasm. Plain JavaScript over the backend's heap; channels last.
import * as tf from '@tensorflow/tfjs';

export const BATCH_NORM_TRAIN = 'LowrankBatchNormTrain';
export const BATCH_NORM_TRAIN_GRAD = 'LowrankBatchNormTrainGrad';

type TensorInfo = tf.TensorInfo;

interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): tf.TypedArray;
}

function heap(backend: HeapBackend, info: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

/** Outputs: y, xhat (for the backward pass), batch mean, batch variance, 1/sqrt(variance + eps). */
function forward(
  backend: HeapBackend,
  x: TensorInfo,
  gamma: TensorInfo,
  beta: TensorInfo,
  epsilon: number,
): TensorInfo[] {
  const channels = x.shape[x.shape.length - 1];
  const size = tf.util.sizeFromShape(x.shape);
  const count = size / channels;
  const outputs = [
    backend.makeOutput(x.shape, 'float32'),
    backend.makeOutput(x.shape, 'float32'),
    ...[0, 1, 2].map(() => backend.makeOutput([channels], 'float32')),
  ];
  // views after every allocation: an allocation can grow (and detach) the heap
  const [y, xhat, mean, variance, inverseSigma] = outputs.map((info) => heap(backend, info));
  const input = heap(backend, x);
  const scale = heap(backend, gamma);
  const shift = heap(backend, beta);
  const sum = new Float64Array(channels);
  const sumOfSquares = new Float64Array(channels);
  for (let at = 0; at < size; at += channels) {
    for (let c = 0; c < channels; c++) {
      const value = input[at + c];
      sum[c] += value;
      sumOfSquares[c] += value * value;
    }
  }
  for (let c = 0; c < channels; c++) {
    mean[c] = sum[c] / count;
    variance[c] = Math.max(0, sumOfSquares[c] / count - (sum[c] / count) ** 2);
    inverseSigma[c] = 1 / Math.sqrt(variance[c] + epsilon);
  }
  for (let at = 0; at < size; at += channels) {
    for (let c = 0; c < channels; c++) {
      const normalised = (input[at + c] - mean[c]) * inverseSigma[c];
      xhat[at + c] = normalised;
      y[at + c] = normalised * scale[c] + shift[c];
    }
  }
  return outputs;
}

/** dx = gamma / sigma * (dy - mean(dy) - xhat * mean(dy * xhat)); also dgamma and dbeta. */
function backward(
  backend: HeapBackend,
  dy: TensorInfo,
  xhat: TensorInfo,
  gamma: TensorInfo,
  inverseSigma: TensorInfo,
): TensorInfo[] {
  const channels = dy.shape[dy.shape.length - 1];
  const size = tf.util.sizeFromShape(dy.shape);
  const count = size / channels;
  const outputs = [
    backend.makeOutput(dy.shape, 'float32'),
    backend.makeOutput([channels], 'float32'),
    backend.makeOutput([channels], 'float32'),
  ];
  const [dx, scaleGradient, shiftGradient] = outputs.map((info) => heap(backend, info));
  const upstream = heap(backend, dy);
  const normalised = heap(backend, xhat);
  const scale = heap(backend, gamma);
  const sigma = heap(backend, inverseSigma);
  const dySum = new Float64Array(channels);
  const dyXhatSum = new Float64Array(channels);
  for (let at = 0; at < size; at += channels) {
    for (let c = 0; c < channels; c++) {
      dySum[c] += upstream[at + c];
      dyXhatSum[c] += upstream[at + c] * normalised[at + c];
    }
  }
  const factor = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    shiftGradient[c] = dySum[c];
    scaleGradient[c] = dyXhatSum[c];
    factor[c] = scale[c] * sigma[c];
    dySum[c] /= count;
    dyXhatSum[c] /= count;
  }
  for (let at = 0; at < size; at += channels) {
    for (let c = 0; c < channels; c++) {
      dx[at + c] = factor[c] * (upstream[at + c] - dySum[c] - normalised[at + c] * dyXhatSum[c]);
    }
  }
  return outputs;
}

export function registerWasmBatchNorm(): void {
  tf.registerKernel({
    kernelName: BATCH_NORM_TRAIN,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, gamma, beta } = inputs as Record<string, TensorInfo>;
      const { epsilon } = attrs as unknown as { epsilon: number };
      return forward(backend as unknown as HeapBackend, x, gamma, beta, epsilon);
    },
  });
  tf.registerKernel({
    kernelName: BATCH_NORM_TRAIN_GRAD,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const { dy, xhat, gamma, inverseSigma } = inputs as Record<string, TensorInfo>;
      return backward(backend as unknown as HeapBackend, dy, xhat, gamma, inverseSigma);
    },
  });
}
