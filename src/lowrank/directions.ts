// Which directions of a factorised layer pruning keeps, from its singular values alone: plain
// numbers, no TF.js, so the page and the pruning policy can use it (the slicing is pruning.ts's).
export type PruneRule =
  /** keep i iff |s_i| >= threshold * max|s| */
  | { kind: 'relative'; threshold: number }
  /** keep the fewest largest directions holding >= 1 - epsilon of sum s^2 */
  | { kind: 'energy'; epsilon: number };

export interface PruneEvent {
  layer: string;
  oldRank: number;
  newRank: number;
}

/** Indices of the directions to keep, in their current order; always at least `minRank`. */
export function directionsToKeep(
  singularValues: ArrayLike<number>,
  rule: PruneRule,
  minRank = 1,
): number[] {
  const magnitudes = Array.from(singularValues, Math.abs);
  const byMagnitude = magnitudes.map((_, i) => i).sort((a, b) => magnitudes[b] - magnitudes[a]);
  let keepCount: number;
  if (rule.kind === 'relative') {
    const cut = rule.threshold * (magnitudes[byMagnitude[0]] ?? 0);
    keepCount = magnitudes.filter((m) => m >= cut && m > 0).length;
  } else {
    const energies = byMagnitude.map((i) => magnitudes[i] ** 2);
    const total = energies.reduce((a, b) => a + b, 0);
    let held = 0;
    keepCount = 0;
    while (keepCount < energies.length && held < (1 - rule.epsilon) * total) {
      held += energies[keepCount++];
    }
  }
  keepCount = Math.min(magnitudes.length, Math.max(keepCount, minRank, 1));
  return byMagnitude.slice(0, keepCount).sort((a, b) => a - b);
}

/** Indices of the `count` largest non-zero |s| (at least one direction), in their current order. */
export function strongestDirections(singularValues: ArrayLike<number>, count: number): number[] {
  const magnitudes = Array.from(singularValues, Math.abs);
  return directionsToKeep(magnitudes, { kind: 'relative', threshold: 0 }, 1)
    .sort((a, b) => magnitudes[b] - magnitudes[a])
    .slice(0, count)
    .sort((a, b) => a - b);
}
