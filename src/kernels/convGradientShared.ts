// What the conv gradient kernels share: the Conv2D they run through and its geometry.
import * as tf from '@tensorflow/tfjs';
import { KernelCalls } from './wasmHeap';

export type TensorInfo = tf.TensorInfo;
export type ExplicitPad = [[number, number], [number, number], [number, number], [number, number]];

export interface ConvAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** A stride-1 Conv2D of the backend with explicit padding and dilations. */
export function conv(
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

export function stridesOf(strides: ConvAttrs['strides']): [number, number] {
  return typeof strides === 'number' ? [strides, strides] : strides;
}

export function convInfo(xShape: number[], filterShape: number[], attrs: ConvAttrs) {
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

export function explicitPad(top: number, bottom: number, left: number, right: number): ExplicitPad {
  return [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
}
