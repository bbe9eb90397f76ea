// Dynamic rank pruning (docs/method.md, "Pruning policy"): pick the directions to keep from |s|, then slice U, s, V
// (and the optimiser's slots) into new, smaller variables. Pruned rank never grows back.
import * as tf from '@tensorflow/tfjs';
import { matrixShape, rankOf, type FactorisedLayer } from './factorised';
import type { Optimiser } from './optimisers';
import { denseMatrix, leadingColumns, svd } from './svd';
import { adoptAsVariable } from './variables';

import { directionsToKeep, type PruneEvent, type PruneRule } from './directions';

export {
  directionsToKeep,
  strongestDirections,
  type PruneEvent,
  type PruneRule,
} from './directions';

function replaceVariable(
  old: tf.Variable,
  axis: number,
  keep: readonly number[],
  optimiser?: Optimiser,
): tf.Variable {
  const name = old.name;
  const sliced = tf.tidy(() => tf.gather(old, tf.tensor1d([...keep], 'int32'), axis));
  // Dispose first: TF.js variable names are unique, and the new variable reuses the name.
  old.dispose();
  optimiser?.sliceSlots(name, axis, keep);
  return adoptAsVariable(sliced, name);
}

/** Keeps directions `keep` of the layer, in place; slices the optimiser's slots to match. */
export function pruneLayer(
  layer: FactorisedLayer,
  keep: readonly number[],
  optimiser?: Optimiser,
): PruneEvent {
  const oldRank = rankOf(layer);
  if (keep.length === 0) throw new Error(`prune ${layer.name}: must keep at least one direction`);
  if (keep.some((i) => !Number.isInteger(i) || i < 0 || i >= oldRank)) {
    throw new Error(`prune ${layer.name}: direction index out of range 0..${oldRank - 1}`);
  }
  if (keep.length < oldRank) {
    layer.U = replaceVariable(layer.U, 1, keep, optimiser);
    layer.s = replaceVariable(layer.s, 0, keep, optimiser);
    layer.V = replaceVariable(layer.V, 1, keep, optimiser);
  }
  return { layer: layer.name, oldRank, newRank: keep.length };
}

/** Applies the rule to a layer (reads |s| back from the backend). */
export async function pruneByRule(
  layer: FactorisedLayer,
  rule: PruneRule,
  options: { minRank?: number; optimiser?: Optimiser } = {},
): Promise<PruneEvent> {
  const values = await layer.s.data();
  return pruneLayer(layer, directionsToKeep(values, rule, options.minRank), options.optimiser);
}

/**
 * Optional step at a prune event (default off, §3): replaces U, s, V by the exact SVD of
 * U diag(s) V^T at the same rank. The optimiser's slots no longer match the new factors, so they
 * are dropped.
 */
export function reorthonormalise(layer: FactorisedLayer, optimiser?: Optimiser): void {
  const { rows, cols } = matrixShape(layer);
  const rank = rankOf(layer);
  const weight = tf.tidy(() => tf.matMul(tf.mul(layer.U, layer.s), layer.V, false, true));
  const factors = svd(denseMatrix(rows, cols, weight.dataSync()));
  weight.dispose();
  const replacements = {
    U: tf.tensor2d(leadingColumns(factors.U, rank), [rows, rank]),
    s: tf.tensor1d(Float32Array.from(factors.s.subarray(0, rank))),
    V: tf.tensor2d(leadingColumns(factors.V, rank), [cols, rank]),
  };
  for (const key of ['U', 's', 'V'] as const) {
    const name = layer[key].name;
    optimiser?.dropSlots(name);
    layer[key].dispose();
    layer[key] = adoptAsVariable(replacements[key], name);
  }
}
