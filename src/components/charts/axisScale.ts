// Axes that change only now and then. Recharts recomputes an axis's ticks (and measures their
// labels in the page) whenever its domain changes; a domain that follows the data moves on every
// redraw. These round the top up to a round step, so a growing run moves its axis a handful of
// times, and the same top gives equal ticks.

export interface AxisRange {
  domain: [number, number];
  ticks: number[];
}

/** A round interval that cuts 0..max into about `count` pieces: 1, 2, 2.5 or 5 times 10^k. */
export function roundStep(max: number, count: number, integer: boolean): number {
  const raw = max / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  return integer ? Math.max(1, Math.ceil(step)) : step;
}

/** From 0 to the first multiple of a round step at or above `max` (at least `minTop`). */
export function zeroBasedRange(max: number, count = 5, integer = true, minTop = 1): AxisRange {
  const span = Number.isFinite(max) && max > minTop ? max : minTop;
  const step = roundStep(span, count, integer);
  const pieces = Math.max(1, Math.ceil(span / step - 1e-9));
  const ticks = Array.from({ length: pieces + 1 }, (_, i) => Number((i * step).toPrecision(12)));
  return { domain: [0, ticks[ticks.length - 1]], ticks };
}

/** Whole decades around [low, high], with a tick every decade or, past four, every few
 * (the range then reaches a little lower). */
export function decadeRange(low: number, high: number): AxisRange {
  const bottom = Math.floor(Math.log10(low > 0 && Number.isFinite(low) ? low : 1e-3));
  const top = Math.max(
    bottom + 1,
    Math.ceil(Math.log10(high > 0 && Number.isFinite(high) ? high : 1)),
  );
  const every = Math.ceil((top - bottom) / 4);
  const ticks: number[] = [];
  // down from the top until the bottom is covered
  for (let power = top; ticks.length === 0 || power + every > bottom; power -= every)
    ticks.unshift(Number(`1e${power}`));
  return { domain: [ticks[0], ticks[ticks.length - 1]], ticks };
}

/**
 * The step rounded down to a twentieth of itself (a round number): a chart that only extends its
 * lines to the present redraws a few times as the run doubles, not on every report.
 */
export function coarseStep(step: number): number {
  if (!(step > 0)) return 0;
  const grain = roundStep(step, 20, true);
  return step - (step % grain);
}

const steadyRanges = new Map<string, AxisRange>();

/**
 * The same object for the same range, across redraws and charts: Recharts compares axis props by
 * reference, so an equal range built anew would still recompute the axis.
 */
export function steady(range: AxisRange): AxisRange {
  const key = `${range.domain.join(' ')} | ${range.ticks.join(' ')}`;
  const known = steadyRanges.get(key);
  if (known) return known;
  if (steadyRanges.size > 200) steadyRanges.clear();
  steadyRanges.set(key, range);
  return range;
}
