// What a live chart hands its SeriesLayer: the series, through a context, so a new series redraws
// the layer alone and not the Recharts frame around it.
import { createContext } from 'react';
import type { AxisRange } from './axisScale';
import type { DotShape, LineShape, XY } from './seriesPath';

/**
 * Live series are drawn by SeriesLayer, not by Recharts' Line and Scatter. Recharts stays for
 * the frame (axes, grid, reference lines), which changes a handful of times a run; but a Recharts
 * series redraw allocated about 8 MB a second on a running studio (objects, selector results and
 * React elements for every point, several times over), and collecting that garbage took 55-90 ms
 * of the main thread every 20-30 s on a two-core machine whose cores train: the last long tasks
 * left. The page with the charts held still allocates 5 MB a minute. Here a redraw sets one path
 * string per series. docs/responsiveness.md has the measurements.
 */
export interface LiveSeries {
  name: string;
  colour: string;
  points: readonly XY[];
  /** default 'linear' */
  shape?: LineShape;
  /** default true */
  line?: boolean;
  /** marks on the points (default none) */
  dots?: DotShape;
  dotRadius?: number;
  width?: number;
  dash?: string;
}

/**
 * What a chart's layer draws: its series and, for a chart over training steps, the step axis's
 * range. The layer draws that axis itself (its ticks, labels and grid lines), so a growing run
 * moves no Recharts prop: the frame's x axis is a fixed unit range (StepFrame.tsx).
 */
export interface LiveContent {
  series: readonly LiveSeries[];
  steps?: AxisRange;
}

/** Set by the chart around its frame, read by the frame's layer. */
export const SeriesContext = createContext<LiveContent>({ series: [] });
