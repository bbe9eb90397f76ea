// What a live chart hands its SeriesLayer: the series, through a context, so a new series redraws
// the layer alone and not the Recharts frame around it.
import { createContext } from 'react';
import type { XAxisProps } from 'recharts';
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
 * moves no Recharts prop: the frame's x axis is the fixed unit range (STEP_FRAME).
 */
export interface LiveContent {
  series: readonly LiveSeries[];
  steps?: AxisRange;
}

/** Set by the chart around its frame, read by the frame's layer. */
export const SeriesContext = createContext<LiveContent>({ series: [] });

/** The data of a frame whose layer draws the step axis: its fixed unit range. */
export const STEP_FRAME_DATA = [{ step: 0 }, { step: 1 }];

/** The x axis of such a frame: 0 to 1, no ticks of its own (it keeps the axis line and height). */
export const STEP_FRAME_AXIS: XAxisProps = {
  dataKey: 'step',
  type: 'number',
  domain: [0, 1],
  ticks: [],
  tick: false,
  allowDataOverflow: true,
};

const frames = new WeakMap<AxisRange, Map<string, Record<string, number>[]>>();

/**
 * The data a frame gives Recharts: the ends of its x range alone (Recharts lays out no x axis
 * without data), the same array while the range is the same object (`steady`), so the frame
 * stays put.
 */
export function frameData(x: AxisRange, key = 'step'): Record<string, number>[] {
  let byKey = frames.get(x);
  if (!byKey) frames.set(x, (byKey = new Map()));
  let data = byKey.get(key);
  if (!data) byKey.set(key, (data = x.domain.map((value) => ({ [key]: value }))));
  return data;
}
