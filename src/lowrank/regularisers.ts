// The two extra loss terms of DPRP (docs/method.md, "Loss"): keep the factors orthonormal, and push
// the singular values towards sparsity so that pruning can remove directions.
import * as tf from '@tensorflow/tfjs';
import { matrixShape, rankOf, type FactorisedLayer } from './factorised';

import type { RankTerm } from './rankTerms';

export { RANK_TERMS, type RankTerm } from './rankTerms';

/** Keeps the L2 norm away from 0 so that every term has a finite gradient when all s_i are 0. */
const NORM_FLOOR = 1e-12;

/** F^T F - I: how far the factor's columns are from orthonormal. */
function gramDeviation(factor: tf.Tensor2D): tf.Tensor2D {
  return tf.sub(tf.matMul(factor, factor, true, false), tf.eye(factor.shape[1]));
}

/** (||U^T U - I||_F^2 + ||V^T V - I||_F^2) / r^2 */
export function orthogonalityLoss(layer: FactorisedLayer): tf.Scalar {
  return tf.tidy(() => {
    const rank = rankOf(layer);
    const total = tf.add(
      tf.sum(tf.square(gramDeviation(layer.U as tf.Tensor2D))),
      tf.sum(tf.square(gramDeviation(layer.V as tf.Tensor2D))),
    );
    return tf.div(total, rank * rank);
  });
}

/** The rank-reducing term on one layer's singular values s. */
export function rankLoss(s: tf.Tensor1D, term: RankTerm): tf.Scalar {
  return tf.tidy(() => {
    const l1 = tf.sum(tf.abs(s));
    switch (term) {
      case 'hoyer':
        // sqrt of the floored square, not a floored norm: sqrt'(0) is infinite even behind a max.
        return tf.div(l1, tf.sqrt(tf.maximum(tf.sum(tf.square(s)), NORM_FLOOR * NORM_FLOOR)));
      case 'hoyer-square':
        return tf.div(tf.square(l1), tf.maximum(tf.sum(tf.square(s)), NORM_FLOOR));
      case 'l1-max':
        return tf.div(l1, tf.maximum(tf.max(tf.abs(s)), NORM_FLOOR));
      default: {
        const unknown: never = term;
        throw new Error(`unknown rank term ${String(unknown)}`);
      }
    }
  }) as tf.Scalar;
}

/** The rank term's value on a flat spectrum of `fullRank` equal values (its minimum is 1). */
export function rankTermMaximum(term: RankTerm, fullRank: number): number {
  return term === 'hoyer' ? Math.sqrt(fullRank) : fullRank;
}

/**
 * The rank term mapped to [0, 1] on the layer's own scale: 0 for a rank-one spectrum, 1 for a flat
 * spectrum at the layer's full rank. Layers of every width then weigh alike, so lambda_r means the
 * same on a quarter-width ResNet-8 and a ResNet-56. Null for a layer whose full rank is 1.
 */
export function normalisedRankLoss(
  s: tf.Tensor1D,
  term: RankTerm,
  fullRank: number,
): tf.Scalar | null {
  const maximum = rankTermMaximum(term, fullRank);
  if (maximum <= 1) return null;
  return tf.tidy(() => tf.div(tf.sub(rankLoss(s, term), 1), maximum - 1));
}

/**
 * The sum over layers of orthogonalityLoss, as one op whose gradient is written out: d/dF of
 * ||F^T F - I||_F^2 is 4 F (F^T F - I), one product a factor. Differentiated op by op, the
 * per-layer terms took about 28 kernels a factor, a quarter of a factorised ResNet-20's kernels.
 */
export function totalOrthogonalityLoss(layers: readonly FactorisedLayer[]): tf.Scalar {
  const factors = layers.flatMap((layer) => [layer.U, layer.V]) as tf.Tensor2D[];
  if (!factors.length) return tf.scalar(0);
  const scales = layers.map((layer) => 1 / (rankOf(layer) * rankOf(layer)));
  const loss = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const inputs = args as tf.Tensor2D[];
    const deviations = inputs.map(gramDeviation);
    const perLayer = scales.map((scale, i) =>
      tf.mul(
        tf.add(tf.sum(tf.square(deviations[2 * i])), tf.sum(tf.square(deviations[2 * i + 1]))),
        scale,
      ),
    );
    const value = perLayer.reduce((sum, term) => tf.add(sum, term)) as tf.Scalar;
    save([...inputs, ...deviations]);
    return {
      value,
      gradFunc: (dy: tf.Scalar, saved: tf.Tensor[]) =>
        inputs.map((_, i) =>
          tf.mul(
            tf.matMul(saved[i] as tf.Tensor2D, saved[inputs.length + i] as tf.Tensor2D),
            tf.mul(dy, 4 * scales[Math.floor(i / 2)]),
          ),
        ),
    };
  });
  return loss(...factors);
}

/**
 * The mean over layers of normalisedRankLoss (layers whose full rank is 1 left out), every layer
 * at once: the singular values of all layers in one vector, each layer's sums as one product
 * with a 0/1 matrix of which value belongs to which layer. Autodiff then takes a few dozen kernels
 * for the whole net where the per-layer terms took about 55 a layer.
 */
export function meanNormalisedRankLoss(
  layers: readonly FactorisedLayer[],
  term: RankTerm,
): tf.Scalar | null {
  const terms = layers
    .map((layer) => {
      const { rows, cols } = matrixShape(layer);
      return { s: layer.s as tf.Tensor1D, maximum: rankTermMaximum(term, Math.min(rows, cols)) };
    })
    .filter(({ maximum }) => maximum > 1);
  if (!terms.length) return null;
  return tf.tidy(() => {
    const lengths = terms.map(({ s }) => s.shape[0]);
    const total = lengths.reduce((a, b) => a + b, 0);
    const membership = new Float32Array(terms.length * total);
    let first = 0;
    lengths.forEach((length, layer) => {
      membership.fill(1, layer * total + first, layer * total + first + length);
      first += length;
    });
    const values = tf.concat(terms.map(({ s }) => s));
    const perLayerSum = (x: tf.Tensor1D) =>
      tf.reshape(
        tf.matMul(tf.tensor2d(membership, [terms.length, total]), tf.reshape(x, [total, 1])),
        [terms.length],
      );
    const l1 = perLayerSum(tf.abs(values));
    let raw: tf.Tensor1D;
    if (term === 'l1-max') {
      const largest = tf.stack(terms.map(({ s }) => tf.max(tf.abs(s)))) as tf.Tensor1D;
      raw = tf.div(l1, tf.maximum(largest, NORM_FLOOR));
    } else {
      const squares = perLayerSum(tf.square(values));
      raw =
        term === 'hoyer'
          ? tf.div(l1, tf.sqrt(tf.maximum(squares, NORM_FLOOR * NORM_FLOOR)))
          : tf.div(tf.square(l1), tf.maximum(squares, NORM_FLOOR));
    }
    const spans = tf.tensor1d(terms.map(({ maximum }) => maximum - 1));
    return tf.div(tf.sum(tf.div(tf.sub(raw, 1), spans)), terms.length) as tf.Scalar;
  });
}

/**
 * Both terms, each already weighted: lambdaOrth * (sum of the layers' orthogonality losses) and
 * lambdaRank * (mean over layers of the normalised rank term), so the rank term is in [0, 1] on
 * every net, whatever its depth.
 */
export function regularisation(
  layers: readonly FactorisedLayer[],
  settings: { lambdaOrth: number; lambdaRank: number; rankTerm: RankTerm },
): { orth: tf.Scalar; rank: tf.Scalar } {
  return tf.tidy(() => {
    const orth = settings.lambdaOrth !== 0 ? totalOrthogonalityLoss(layers) : tf.scalar(0);
    const rank =
      (settings.lambdaRank !== 0 ? meanNormalisedRankLoss(layers, settings.rankTerm) : null) ??
      tf.scalar(0);
    return { orth: tf.mul(orth, settings.lambdaOrth), rank: tf.mul(rank, settings.lambdaRank) };
  });
}
