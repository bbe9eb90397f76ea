// Factorised conv and dense layers, W = U diag(s) V^T (algorithm.md §1). Layers are plain objects
// holding tf.Variables so that pruning can swap them for smaller ones (style rule 15).
import * as tf from '@tensorflow/tfjs';
import { conv2d } from './conv';
import { denseMatrix, svd } from './svd';
import { adoptAsVariable } from './variables';

export type Padding = 'same' | 'valid';
export type ForwardForm = 'lowrank' | 'composed';

export interface FactorisedConv {
  kind: 'conv';
  name: string;
  kernelSize: number;
  inChannels: number;
  outChannels: number;
  stride: number;
  padding: Padding;
  /** [k*k*Cin, r], rows in TF.js kernel order (kh, kw, Cin). */
  U: tf.Variable;
  /** [r] */
  s: tf.Variable;
  /** [Cout, r] */
  V: tf.Variable;
}

export interface FactorisedDense {
  kind: 'dense';
  name: string;
  inFeatures: number;
  outFeatures: number;
  /** [in, r] */
  U: tf.Variable;
  /** [r] */
  s: tf.Variable;
  /** [out, r] */
  V: tf.Variable;
  /** [out] */
  bias: tf.Variable;
}

export type FactorisedLayer = FactorisedConv | FactorisedDense;

export interface ConvSpec {
  name: string;
  kernelSize: number;
  inChannels: number;
  outChannels: number;
  stride?: number;
  padding?: Padding;
}

export interface DenseSpec {
  name: string;
  inFeatures: number;
  outFeatures: number;
}

export function rankOf(layer: FactorisedLayer): number {
  return layer.s.shape[0];
}

/** Rows and columns of the layer's weight matrix W = U diag(s) V^T. */
export function matrixShape(layer: FactorisedLayer): { rows: number; cols: number } {
  return layer.kind === 'conv'
    ? { rows: layer.kernelSize * layer.kernelSize * layer.inChannels, cols: layer.outChannels }
    : { rows: layer.inFeatures, cols: layer.outFeatures };
}

/** Rank above which the composed kernel is cheaper than the two-factor form (algorithm.md §1). */
export function breakEvenRank(layer: FactorisedLayer): number {
  const { rows, cols } = matrixShape(layer);
  return (rows * cols) / (rows + cols);
}

/** The cheaper forward form at the layer's current rank. */
export function chooseForm(layer: FactorisedLayer): ForwardForm {
  return rankOf(layer) < breakEvenRank(layer) ? 'lowrank' : 'composed';
}

/** He-normal kernel (std sqrt(2 / fan_in)) as the [rows, cols] weight matrix. */
export function heNormalMatrix(rows: number, cols: number, seed?: number): tf.Tensor2D {
  return tf.randomNormal([rows, cols], 0, Math.sqrt(2 / rows), 'float32', seed);
}

function factorVariables(name: string, weight: tf.Tensor2D) {
  const [rows, cols] = weight.shape;
  const { U, s, V } = svd(denseMatrix(rows, cols, weight.dataSync()));
  const rank = s.length;
  return {
    U: adoptAsVariable(tf.tensor2d(Float32Array.from(U.data), [rows, rank]), `${name}/U`),
    s: adoptAsVariable(tf.tensor1d(Float32Array.from(s)), `${name}/s`),
    V: adoptAsVariable(tf.tensor2d(Float32Array.from(V.data), [cols, rank]), `${name}/V`),
  };
}

/**
 * A factorised conv initialised from the exact SVD of `kernel` ([k, k, Cin, Cout]) or, when none
 * is given, of a He-normal kernel, so that at step 0 it equals the dense conv.
 */
export function createFactorisedConv(
  spec: ConvSpec,
  init: { kernel?: tf.Tensor4D; seed?: number } = {},
): FactorisedConv {
  const { name, kernelSize, inChannels, outChannels } = spec;
  const rows = kernelSize * kernelSize * inChannels;
  const weight = tf.tidy(() =>
    init.kernel
      ? tf.reshape(init.kernel, [rows, outChannels])
      : heNormalMatrix(rows, outChannels, init.seed),
  ) as tf.Tensor2D;
  const factors = factorVariables(name, weight);
  weight.dispose();
  return {
    kind: 'conv',
    name,
    kernelSize,
    inChannels,
    outChannels,
    stride: spec.stride ?? 1,
    padding: spec.padding ?? 'same',
    ...factors,
  };
}

/** A factorised dense layer from the SVD of `kernel` ([in, out]) or of a He-normal one; bias 0. */
export function createFactorisedDense(
  spec: DenseSpec,
  init: { kernel?: tf.Tensor2D; bias?: tf.Tensor1D; seed?: number } = {},
): FactorisedDense {
  const { name, inFeatures, outFeatures } = spec;
  const weight = init.kernel ?? heNormalMatrix(inFeatures, outFeatures, init.seed);
  const factors = factorVariables(name, weight);
  if (!init.kernel) weight.dispose();
  const bias = adoptAsVariable(
    init.bias ? init.bias.clone() : tf.zeros([outFeatures]),
    `${name}/bias`,
  );
  return { kind: 'dense', name, inFeatures, outFeatures, ...factors, bias };
}

/** U diag(s) V^T as a [rows, cols] matrix. */
export function composedMatrix(layer: FactorisedLayer): tf.Tensor2D {
  return tf.tidy(() => tf.matMul(tf.mul(layer.U, layer.s), layer.V, false, true));
}

/** The layer's dense conv kernel [k, k, Cin, Cout]. */
export function composedKernel(layer: FactorisedConv): tf.Tensor4D {
  const { kernelSize: k, inChannels, outChannels } = layer;
  return tf.tidy(() => tf.reshape(composedMatrix(layer), [k, k, inChannels, outChannels]));
}

/** x [N, H, W, Cin] -> [N, H', W', Cout]; both forms compute the same function. */
export function convForward(
  layer: FactorisedConv,
  x: tf.Tensor4D,
  form: ForwardForm = chooseForm(layer),
): tf.Tensor4D {
  const { kernelSize: k, inChannels, outChannels, stride, padding } = layer;
  return tf.tidy(() => {
    if (form === 'composed') return conv2d(x, composedKernel(layer), stride, padding);
    const rank = rankOf(layer);
    const projected = conv2d(
      x,
      tf.reshape(layer.U, [k, k, inChannels, rank]) as tf.Tensor4D,
      stride,
      padding,
    );
    const scaled = tf.mul(projected, layer.s) as tf.Tensor4D;
    const expand = tf.reshape(tf.transpose(layer.V), [1, 1, rank, outChannels]) as tf.Tensor4D;
    return conv2d(scaled, expand, 1, 'valid');
  });
}

/** x [N, in] -> [N, out]. */
export function denseForward(
  layer: FactorisedDense,
  x: tf.Tensor2D,
  form: ForwardForm = chooseForm(layer),
): tf.Tensor2D {
  return tf.tidy(() => {
    const linear =
      form === 'composed'
        ? tf.matMul(x, composedMatrix(layer))
        : tf.matMul(tf.mul(tf.matMul(x, layer.U), layer.s), layer.V, false, true);
    return tf.add(linear, layer.bias);
  });
}

export function disposeLayer(layer: FactorisedLayer): void {
  layer.U.dispose();
  layer.s.dispose();
  layer.V.dispose();
  if (layer.kind === 'dense') layer.bias.dispose();
}
