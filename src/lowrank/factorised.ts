// Factorised conv and dense layers, W = U diag(s) V^T (docs/method.md, "Factorised layers"). Layers are plain objects
// holding tf.Variables so that pruning can swap them for smaller ones (CONTRIBUTING.md).
import * as tf from '@tensorflow/tfjs';
import { conv2d } from './conv';
import { Random } from './random';
import { leadingFactors } from './svd';
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

/** Rank above which the composed kernel is cheaper than the two-factor form (docs/method.md, "Factorised layers"). */
export function breakEvenRank(layer: FactorisedLayer): number {
  const { rows, cols } = matrixShape(layer);
  return (rows * cols) / (rows + cols);
}

/** The cheaper forward form at the layer's current rank. */
export function chooseForm(layer: FactorisedLayer): ForwardForm {
  return rankOf(layer) < breakEvenRank(layer) ? 'lowrank' : 'composed';
}

/**
 * He-normal weights (std sqrt(2 / fan_in)) for a [rows, cols] matrix, drawn in JavaScript from a
 * seeded generator: the same values on every backend, and no GPU read-back to get them to the SVD.
 */
export function heNormalValues(rows: number, cols: number, seed: number): Float32Array {
  const random = new Random(seed);
  const std = Math.sqrt(2 / rows);
  return Float32Array.from({ length: rows * cols }, () => std * random.normal());
}

/** Initial weights: given values (a tensor is read back once), or He-normal from a seed. */
export interface FactorInit {
  kernel?: ArrayLike<number> | tf.Tensor;
  seed?: number;
  /** keep only the leading directions of the SVD (the best rank-r approximation) */
  maxRank?: number;
}

function initialValues(init: FactorInit, rows: number, cols: number): ArrayLike<number> {
  if (init.kernel === undefined) return heNormalValues(rows, cols, init.seed ?? 1);
  return init.kernel instanceof tf.Tensor ? init.kernel.dataSync() : init.kernel;
}

function factorVariables(name: string, rows: number, cols: number, init: FactorInit) {
  const full = Math.min(rows, cols);
  const rank = Math.min(full, Math.max(1, init.maxRank ?? full));
  const { U, s, V } = leadingFactors(rows, cols, initialValues(init, rows, cols), rank);
  return {
    U: adoptAsVariable(tf.tensor2d(U, [rows, rank]), `${name}/U`),
    s: adoptAsVariable(tf.tensor1d(s), `${name}/s`),
    V: adoptAsVariable(tf.tensor2d(V, [cols, rank]), `${name}/V`),
  };
}

/**
 * A factorised conv initialised from the exact SVD of `init.kernel` ([k, k, Cin, Cout] values) or,
 * when none is given, of a He-normal kernel, so that at step 0 it equals the dense conv.
 */
export function createFactorisedConv(spec: ConvSpec, init: FactorInit = {}): FactorisedConv {
  const { name, kernelSize, inChannels, outChannels } = spec;
  return {
    kind: 'conv',
    name,
    kernelSize,
    inChannels,
    outChannels,
    stride: spec.stride ?? 1,
    padding: spec.padding ?? 'same',
    ...factorVariables(name, kernelSize * kernelSize * inChannels, outChannels, init),
  };
}

/** A factorised dense layer from the SVD of `init.kernel` ([in, out]) or of a He-normal one. */
export function createFactorisedDense(
  spec: DenseSpec,
  init: FactorInit & { bias?: tf.Tensor1D } = {},
): FactorisedDense {
  const { name, inFeatures, outFeatures } = spec;
  const bias = adoptAsVariable(
    init.bias ? init.bias.clone() : tf.zeros([outFeatures]),
    `${name}/bias`,
  );
  return {
    kind: 'dense',
    name,
    inFeatures,
    outFeatures,
    ...factorVariables(name, inFeatures, outFeatures, init),
    bias,
  };
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
