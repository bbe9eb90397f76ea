// conv2d whose filter gradient is an im2col matrix product on the cpu backend. TF.js's cpu
// Conv2DBackpropFilter reads every element through TensorBuffer.get and took most of a micro
// training step; a JavaScript im2col and one matMul are much faster there. GPU backends keep
// their native kernel; wasm has its own (src/kernels/wasmTraining.ts).
import * as tf from '@tensorflow/tfjs';
import type { Padding } from './factorised';

/** Offsets of 'same' padding as TensorFlow computes them (extra row/column at the bottom/right). */
function samePadding(
  inSize: number,
  outSize: number,
  kernel: number,
  stride: number,
): [number, number] {
  const total = Math.max((outSize - 1) * stride + kernel - inSize, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** im2col in plain JavaScript: on the CPU backends the data is already in memory, and TF.js's
 * slice kernels there index element by element. x [N,H,W,Cin] -> [N*Ho*Wo, k*k*Cin]. */
function patchMatrix(
  x: tf.Tensor4D,
  outHeight: number,
  outWidth: number,
  kernelSize: number,
  stride: number,
  padding: Padding,
): tf.Tensor2D {
  const [batch, height, width, inChannels] = x.shape;
  const [top] = padding === 'same' ? samePadding(height, outHeight, kernelSize, stride) : [0];
  const [left] = padding === 'same' ? samePadding(width, outWidth, kernelSize, stride) : [0];
  const input = x.dataSync() as Float32Array;
  const rowLength = kernelSize * kernelSize * inChannels;
  const out = new Float32Array(batch * outHeight * outWidth * rowLength);
  let at = 0;
  for (let n = 0; n < batch; n++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        for (let kh = 0; kh < kernelSize; kh++) {
          const y = oy * stride + kh - top;
          for (let kw = 0; kw < kernelSize; kw++) {
            const xx = ox * stride + kw - left;
            if (y >= 0 && y < height && xx >= 0 && xx < width) {
              const from = ((n * height + y) * width + xx) * inChannels;
              out.set(input.subarray(from, from + inChannels), at);
            }
            at += inChannels;
          }
        }
      }
    }
  }
  return tf.tensor2d(out, [batch * outHeight * outWidth, rowLength]);
}

/** dL/dW of conv2d(x, W) given dy, as patches(x)^T dy. x [N,H,W,Cin], dy [N,Ho,Wo,Cout]. */
export function filterGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  kernelSize: number,
  stride: number,
  padding: Padding,
): tf.Tensor4D {
  return tf.tidy(() => {
    const inChannels = x.shape[3];
    const [, outHeight, outWidth, outChannels] = dy.shape;
    const patches =
      kernelSize === 1 && stride === 1
        ? tf.reshape(x, [-1, inChannels])
        : patchMatrix(x, outHeight, outWidth, kernelSize, stride, padding);
    const gradient = tf.matMul(patches, tf.reshape(dy, [-1, outChannels]), true, false);
    return tf.reshape(gradient, [kernelSize, kernelSize, inChannels, outChannels]);
  });
}

/** Same result and input gradient as tf.conv2d; faster filter gradient on the cpu backend. */
export function conv2d(
  x: tf.Tensor4D,
  kernel: tf.Tensor4D,
  stride: number,
  padding: Padding,
): tf.Tensor4D {
  if (tf.getBackend() !== 'cpu') return tf.conv2d(x, kernel, stride, padding);
  const convolve = tf.customGrad(((input: tf.Tensor, filter: tf.Tensor, save: tf.GradSaveFunc) => {
    save([input, filter]);
    return {
      value: tf.conv2d(input as tf.Tensor4D, filter as tf.Tensor4D, stride, padding),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedInput, savedFilter] = saved as [tf.Tensor4D, tf.Tensor4D];
        return [
          tf.conv2dTranspose(dy as tf.Tensor4D, savedFilter, savedInput.shape, stride, padding),
          filterGradient(savedInput, dy as tf.Tensor4D, savedFilter.shape[0], stride, padding),
        ];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return convolve(x, kernel) as tf.Tensor4D;
}
