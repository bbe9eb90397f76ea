// The two extra loss terms of DPRP (docs/method.md, "Loss"): keep the factors orthonormal, and push
// the singular values towards sparsity so that pruning can remove directions.
import * as tf from '@tensorflow/tfjs';
import { matrixShape, rankOf, type FactorisedLayer } from './factorised';

export const RANK_TERMS = ['hoyer', 'l1-max', 'hoyer-square'] as const;
export type RankTerm = (typeof RANK_TERMS)[number];

/** Keeps the L2 norm away from 0 so that every term has a finite gradient when all s_i are 0. */
const NORM_FLOOR = 1e-12;

function gramDeviation(factor: tf.Tensor2D): tf.Scalar {
  const rank = factor.shape[1];
  const gram = tf.matMul(factor, factor, true, false);
  return tf.sum(tf.square(tf.sub(gram, tf.eye(rank))));
}

/** (||U^T U - I||_F^2 + ||V^T V - I||_F^2) / r^2 */
export function orthogonalityLoss(layer: FactorisedLayer): tf.Scalar {
  return tf.tidy(() => {
    const rank = rankOf(layer);
    const total = tf.add(
      gramDeviation(layer.U as tf.Tensor2D),
      gramDeviation(layer.V as tf.Tensor2D),
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
 * Both terms, each already weighted: lambdaOrth * (sum of the layers' orthogonality losses) and
 * lambdaRank * (mean over layers of the normalised rank term), so the rank term is in [0, 1] on
 * every net, whatever its depth.
 */
export function regularisation(
  layers: readonly FactorisedLayer[],
  settings: { lambdaOrth: number; lambdaRank: number; rankTerm: RankTerm },
): { orth: tf.Scalar; rank: tf.Scalar } {
  return tf.tidy(() => {
    let orth: tf.Scalar = tf.scalar(0);
    const rankTerms: tf.Scalar[] = [];
    for (const layer of layers) {
      if (settings.lambdaOrth !== 0) orth = tf.add(orth, orthogonalityLoss(layer));
      if (settings.lambdaRank === 0) continue;
      const { rows, cols } = matrixShape(layer);
      const term = normalisedRankLoss(
        layer.s as tf.Tensor1D,
        settings.rankTerm,
        Math.min(rows, cols),
      );
      if (term) rankTerms.push(term);
    }
    // added one by one, not with tf.addN: WebGPU's AddN binds every input at once, and a deep
    // net's twenty terms exceed the eight storage buffers a shader stage may have
    const rankSum = rankTerms.reduce<tf.Scalar>((sum, term) => tf.add(sum, term), tf.scalar(0));
    const rank = rankTerms.length ? tf.div(rankSum, rankTerms.length) : tf.scalar(0);
    return { orth: tf.mul(orth, settings.lambdaOrth), rank: tf.mul(rank, settings.lambdaRank) };
  });
}
