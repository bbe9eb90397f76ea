// Conv2D and FusedConv2D for the wasm backend as simd/conv.wat (fused multiply-adds, tiles of 4
// pixels x 8 output channels), output lines split over the kernel threads; 30-35% faster than
// the backend's XNNPACK convolution on ResNet-20's shapes. Any width and channel count (the
// filter's output channels are zero-padded to a multiple of 4 first). XNNPACK stays for the rest
// (dilation, NCHW, activations other than ReLU). The input gradient's convolutions come here too.
import * as tf from '@tensorflow/tfjs';
import { backendMemory, convSimd, matMulSimd } from './wasmSimd';
import { PixelSplit } from './kernelThreads';
import { KernelCalls, pointerOf, replaceWasmKernel, type WasmBackendLike } from './wasmHeap';

type TensorInfo = tf.TensorInfo;

export interface ConvAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dilations: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

interface Fusion {
  bias?: TensorInfo;
  relu: boolean;
}

const roundUp4 = (n: number) => Math.ceil(n / 4) * 4;
const pair = (low: number, high: number) => low | (high << 16);

/**
 * x * filter (+ bias, through a ReLU) by simd/conv.wat, or null where the kernel does not cover
 * the case (the caller then runs the backend's own kernel).
 */
export function directConv(
  backend: WasmBackendLike,
  x: TensorInfo,
  filter: TensorInfo,
  attrs: ConvAttrs,
  fusion: Fusion = { relu: false },
): TensorInfo | null {
  const dilations = typeof attrs.dilations === 'number' ? [attrs.dilations] : attrs.dilations;
  const types = [x, filter, ...(fusion.bias ? [fusion.bias] : [])].map((t) => t.dtype);
  if (types.some((dtype) => dtype !== 'float32') || attrs.dataFormat === 'NCHW') return null;
  if (dilations.some((d) => d !== 1)) return null;
  const simd = convSimd(backend);
  if (!simd) return null;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
  if (inChannels === 0 || tf.util.sizeFromShape(info.outShape) === 0) return null;
  if (Math.max(filterHeight, filterWidth) > 0xff) return null;
  if (Math.max(strideHeight, strideWidth, padInfo.top, padInfo.left) > 0x7fff) return null;
  if (fusion.bias && tf.util.sizeFromShape(fusion.bias.shape) !== outChannels) return null;
  const outShape = [batchSize, outHeight, outWidth, outChannels];
  // a 1x1 stride-1 conv that reads and writes the same pixels (no padding on any side)
  const pointwise =
    [filterHeight, filterWidth, strideHeight, strideWidth].every((v) => v === 1) &&
    padInfo.top === 0 &&
    padInfo.left === 0 &&
    outHeight === inHeight &&
    outWidth === inWidth;
  if (pointwise) {
    const product = pointwiseConv(backend, x, filter, outShape, fusion);
    if (product) return product;
  }
  // the kernel reads the filter's (and bias's) output channels in whole tiles of 4
  const calls = new KernelCalls(backend);
  const channels = roundUp4(outChannels);
  const weights = calls.padLastAxis(filter, channels);
  const bias = fusion.bias && calls.padLastAxis(fusion.bias, channels);
  const zeros = calls.track(backend.makeOutput([inChannels], 'float32'));
  backend.typedArrayFromHeap(zeros).fill(0);
  const out = backend.makeOutput(outShape, 'float32');
  // pointers after every allocation (one can grow the heap)
  const at = (info: TensorInfo | undefined) => (info ? pointerOf(backend, info) : 0);
  const [yAt, xAt, wAt, zeroAt, biasAt] = [out, x, weights, zeros, bias].map(at);
  const lineValues = outWidth * outChannels;
  const macsPerValue = filterHeight * filterWidth * inChannels;
  const split = new PixelSplit(
    simd,
    backendMemory(backend),
    batchSize * outHeight,
    lineValues,
    macsPerValue,
  );
  split.run(['conv', 'lines'], (byteOffset, lines) => [
    yAt,
    xAt,
    wAt,
    zeroAt,
    inHeight,
    inWidth,
    inChannels,
    outHeight,
    outWidth,
    outChannels,
    biasAt,
    filterHeight | (filterWidth << 8) | ((fusion.relu ? 1 : 0) << 16),
    pair(strideHeight, strideWidth),
    pair(padInfo.top, padInfo.left),
    byteOffset / (4 * lineValues),
    lines,
  ]);
  return calls.finish(out);
}

/**
 * A 1x1 stride-1 convolution (+ bias, through a ReLU) as one matrix product, [pixels, Cin] x
 * [Cin, Cout], by simd/matmul.wat with the pixels split over the kernel threads: the factorised
 * layers' expansion has few input channels, and the product's tiles cost less to set up than
 * the conv's (half the time for the exported model's 7 -> 16 expansion).
 */
function pointwiseConv(
  backend: WasmBackendLike,
  x: TensorInfo,
  filter: TensorInfo,
  outShape: number[],
  fusion: Fusion,
): TensorInfo | null {
  const simd = matMulSimd(backend);
  if (!simd) return null;
  const [inChannels, outChannels] = filter.shape.slice(2);
  const pixels = tf.util.sizeFromShape(outShape) / outChannels;
  const out = backend.makeOutput(outShape, 'float32');
  const [cAt, aAt, bAt] = [out, x, filter].map((info) => pointerOf(backend, info));
  const biasAt = fusion.bias ? pointerOf(backend, fusion.bias) : 0;
  new PixelSplit(simd, backendMemory(backend), pixels, outChannels, inChannels).run(
    ['matmul', 'product'],
    (byteOffset, rows) => [
      cAt + byteOffset,
      aAt + (byteOffset / outChannels) * inChannels,
      bAt,
      rows,
      inChannels,
      outChannels,
      4 * inChannels,
      4,
      biasAt,
      fusion.relu ? 1 : 0,
    ],
  );
  return out;
}

export function registerWasmConv(): void {
  replaceWasmKernel('Conv2D', (args, native) => {
    const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs;
    return directConv(args.backend as WasmBackendLike, x, filter, attrs) ?? native.kernelFunc(args);
  });
  // the exported model's convolutions (tf.layers conv2d runs FusedConv2D outside gradients)
  replaceWasmKernel('FusedConv2D', (args, native) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, TensorInfo>;
    const attrs = args.attrs as unknown as ConvAttrs & { activation: string };
    const backend = args.backend as WasmBackendLike;
    const fused =
      !preluActivationWeights && (attrs.activation === 'linear' || attrs.activation === 'relu')
        ? directConv(backend, x, filter, attrs, { bias, relu: attrs.activation === 'relu' })
        : null;
    return fused ?? native.kernelFunc(args);
  });
}
