// Fewer points to draw, the same picture: a long history is cut into buckets and each keeps its
// lowest and highest point (in step order), so spikes survive and drawing costs the same after an
// hour as after a minute.

/** At most `maxPoints` of `points`: per bucket its minimum and maximum of `value`, in order. */
export function downsample<T>(
  points: readonly T[],
  value: (point: T) => number,
  maxPoints: number,
): T[] {
  if (points.length <= maxPoints) return [...points];
  const buckets = Math.max(1, Math.floor(maxPoints / 2));
  const size = points.length / buckets;
  const kept: T[] = [];
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor(b * size);
    const end = Math.min(points.length, Math.floor((b + 1) * size));
    let low = start;
    let high = start;
    for (let i = start + 1; i < end; i++) {
      const v = value(points[i]);
      if (v < value(points[low]) || Number.isNaN(value(points[low]))) low = i;
      if (v > value(points[high]) || Number.isNaN(value(points[high]))) high = i;
    }
    if (low === high) kept.push(points[low]);
    else kept.push(points[Math.min(low, high)], points[Math.max(low, high)]);
  }
  const last = points[points.length - 1];
  if (kept[kept.length - 1] !== last) kept[kept.length - 1] = last;
  return kept;
}

/** Points a live chart draws per series. */
export const CHART_POINTS = 200;

type RankPoint = { step: number; ranks: number[] };

/** The rank reports where some rank changed (and the first): a step line needs no others. */
export function rankChanges(history: readonly RankPoint[]): RankPoint[] {
  return history.filter(
    (point, i) => i === 0 || point.ranks.some((rank, l) => rank !== history[i - 1].ranks[l]),
  );
}
