// Colours and shared props of the live charts.
import { steady, zeroBasedRange } from './axisScale';

export const COLOURS = {
  crossEntropy: '#2d4a8a',
  orth: '#c9812b',
  rank: '#8a3d9c',
  baseline: '#7a8699',
  train: '#2d4a8a',
  test: '#2e8b57',
  testSlice: '#7fbf95',
  kept: '#2d4a8a',
  atRisk: '#d9822b',
  pruned: '#b8c0d4',
  cut: '#c0392b',
  macs: '#2e8b57',
} as const;

/** Room on the right for the step axis's last label, which sits on the plot's edge. */
export const CHART_MARGIN = { top: 5, right: 24, bottom: 0, left: 0 };

/** The step axis's range for a chart whose last point is at `lastStep`. */
export const stepAxisRange = (lastStep: number | undefined) =>
  steady(zeroBasedRange(lastStep ?? 0, 5, true, 10));

/**
 * Points drawn as dots up to this many in a series; past it, a line alone. A long run's hundreds
 * of dots would only blur, and each is a Recharts symbol redrawn with its series (the epoch and
 * size charts' dots made their redraws grow with the run).
 */
export const DOTS_UP_TO = 60;

export const formatFixed4 = (value: unknown) => Number(value).toFixed(4);
export const formatExponent2 = (value: unknown) => Number(value).toExponential(2);
export const tickFixed2 = (value: number) => value.toFixed(2);
export const tickExponent0 = (value: number) => value.toExponential(0);

export const formatPercent = (value: unknown) => `${Number(value).toFixed(1)}%`;
