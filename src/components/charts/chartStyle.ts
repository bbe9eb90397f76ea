// Colours and shared props of the live charts.
import type { XAxisProps } from 'recharts';

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

/** Live charts redraw 10 times a second: no animation. */
export const STATIC = { isAnimationActive: false } as const;

export const CHART_MARGIN = { top: 5, right: 10, bottom: 0, left: 0 };

/** The x axis of every over-time chart: training steps, from the first point to the last. */
export const STEP_AXIS: XAxisProps = {
  dataKey: 'step',
  type: 'number',
  domain: ['dataMin', 'dataMax'],
  allowDecimals: false,
};

export const formatPercent = (value: unknown) => `${Number(value).toFixed(1)}%`;
