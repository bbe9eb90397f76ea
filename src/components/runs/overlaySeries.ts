// The overlay charts' series: each selected run's digest, lined up by step, epoch or share of
// the run, one colour a run.
import type { RunRow } from '../../runs/runColumns';
import type { Point, RunDigest } from '../../runs/runSummary';
import type { RunAlignment } from '../../store/store';
import type { LiveSeries } from '../charts/liveSeries';

/** Ten colours far enough apart to tell ten overlaid runs apart (Tableau 10). */
export const RUN_COLOURS = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#79706e',
];

export const runColour = (index: number) => RUN_COLOURS[index % RUN_COLOURS.length];

export type DigestField = Exclude<keyof RunDigest, 'stepsPerEpoch'>;

/** x of a step as `alignment` reads it. */
export function aligner(row: RunRow, alignment: RunAlignment): (step: number) => number {
  if (alignment === 'epoch') {
    const perEpoch = Math.max(1, row.digest.stepsPerEpoch);
    return (step) => step / perEpoch;
  }
  if (alignment === 'fraction') {
    const last = Math.max(1, row.summary.lastStep);
    return (step) => step / last;
  }
  return (step) => step;
}

/** One series a run for `field`, values scaled by `scale` (100 for percentages). */
export function overlaySeries(
  rows: readonly RunRow[],
  field: DigestField,
  alignment: RunAlignment,
  scale = 1,
  shape: LiveSeries['shape'] = 'linear',
): LiveSeries[] {
  return rows.map((row, i) => {
    const x = aligner(row, alignment);
    return {
      name: row.name,
      colour: runColour(i),
      shape,
      points: row.digest[field].map((p: Point) => ({ x: x(p.x), y: scale * p.y })),
      ...(field === 'evalAccuracy' && row.digest[field].length <= 60 ? { dots: 'circle' } : {}),
    };
  });
}

/** The x axis's end: the longest run, in the alignment's unit. */
export function overlayEnd(rows: readonly RunRow[], alignment: RunAlignment): number {
  let end = 0;
  for (const row of rows) end = Math.max(end, aligner(row, alignment)(row.summary.lastStep));
  return end;
}

/** The figure a run is judged by: test accuracy where it was measured, else validation. */
export function accuracyOf(row: RunRow): { value: number; on: 'test' | 'validation' } | null {
  const { testAccuracy, validationAccuracy } = row.summary;
  if (testAccuracy !== null) return { value: testAccuracy, on: 'test' };
  if (validationAccuracy !== null) return { value: validationAccuracy, on: 'validation' };
  return null;
}
