// Turns one layer's |s| into chart points: kept, going at the next prune event (below the rule's
// cut, or fading towards a target-size cut), and already pruned. Pure, so it is unit-tested.
import type { TrainConfig } from '../../config';

type CutSettings = Pick<
  TrainConfig,
  'pruneRule' | 'pruneThreshold' | 'energyEpsilon' | 'targetParamsKept'
>;

export interface SpectrumPoints {
  cut: number;
  floor: number;
  kept: { index: number; value: number }[];
  atRisk: { index: number; value: number }[];
  pruned: { index: number; value: number }[];
}

/** The |s| value below which the current rule drops a direction. */
export function pruneCut(
  values: Float32Array,
  config: Pick<TrainConfig, 'pruneRule' | 'pruneThreshold' | 'energyEpsilon'>,
): number {
  const max = values[0] ?? 0;
  if (config.pruneRule === 'relative') return config.pruneThreshold * max;
  const total = values.reduce((sum, v) => sum + v * v, 0);
  let held = 0;
  for (const value of values) {
    held += value * value;
    if (held >= (1 - config.energyEpsilon) * total) return value;
  }
  return 0;
}

/**
 * With a target size the schedule, not a threshold, picks the cut: the last `fading` directions
 * (the smallest, shrinking towards the next event) go, and there is no cut line.
 */
export function spectrumPoints(
  values: Float32Array,
  fullRank: number,
  config: CutSettings,
  fading = 0,
): SpectrumPoints {
  const byTarget = config.targetParamsKept > 0;
  const cut = byTarget ? 0 : pruneCut(values, config);
  const max = values[0] ?? 1;
  const smallestPositive = values.reduce((m, v) => (v > 0 && v < m ? v : m), max);
  const floor = Math.max(
    Math.min(smallestPositive, cut || smallestPositive) / 4,
    max * 1e-6,
    1e-12,
  );
  const points: SpectrumPoints = { cut, floor, kept: [], atRisk: [], pruned: [] };
  values.forEach((value, i) => {
    const point = { index: i + 1, value: Math.max(value, floor) };
    const goes = byTarget ? i >= values.length - fading : value < cut;
    (goes ? points.atRisk : points.kept).push(point);
  });
  for (let i = values.length; i < fullRank; i++) points.pruned.push({ index: i + 1, value: floor });
  return points;
}
