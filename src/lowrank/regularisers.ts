// The two extra loss terms of DPRP (algorithm.md §2): keep the factors orthonormal, and push the
// singular values towards sparsity so that pruning can remove directions.
import * as tf from '@tensorflow/tfjs';
import { rankOf, type FactorisedLayer } from './factorised';

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

/** Sum of both terms over layers, each already weighted: lambdaOrth * orth + lambdaRank * rank. */
export function regularisation(
  layers: readonly FactorisedLayer[],
  settings: { lambdaOrth: number; lambdaRank: number; rankTerm: RankTerm },
): { orth: tf.Scalar; rank: tf.Scalar } {
  return tf.tidy(() => {
    let orth: tf.Scalar = tf.scalar(0);
    let rank: tf.Scalar = tf.scalar(0);
    for (const layer of layers) {
      if (settings.lambdaOrth !== 0) orth = tf.add(orth, orthogonalityLoss(layer));
      if (settings.lambdaRank !== 0) {
        rank = tf.add(rank, rankLoss(layer.s as tf.Tensor1D, settings.rankTerm));
      }
    }
    return { orth: tf.mul(orth, settings.lambdaOrth), rank: tf.mul(rank, settings.lambdaRank) };
  });
}
