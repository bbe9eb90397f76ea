import type { ReactNode } from 'react';
import {
  CartesianGrid,
  LineChart,
  ResponsiveContainer,
  XAxis,
  YAxis,
  type XAxisProps,
  type YAxisProps,
} from 'recharts';
import { CHART_MARGIN } from './chartStyle';
import { SeriesLayer } from './SeriesLayer';
import { useIdleMount } from './idleMount';

/** The frame's data: its fixed unit x range (Recharts lays out no x axis without data). */
const UNIT_DATA = [{ step: 0 }, { step: 1 }];

/** The frame's x axis: 0 to 1, no ticks of its own; it keeps the axis line and its height. */
const UNIT_X_AXIS: XAxisProps = {
  dataKey: 'step',
  type: 'number',
  domain: [0, 1],
  ticks: [],
  tick: false,
  allowDataOverflow: true,
};

/**
 * The Recharts frame of a chart over training steps: the grid, a fixed x axis, the chart's y axis
 * (its domain and ticks given, so no data is needed), `children` (reference lines) and the series
 * layer, which draws the step axis and the series. A growing run moves none of its props.
 */
export function StepFrame({
  height,
  yAxis,
  format,
  xLabel,
  children,
}: {
  height: number;
  yAxis: YAxisProps;
  /** a value as the hover readout shows it */
  format: (value: number) => string;
  /** the x axis's unit in the hover readout (default: step) */
  xLabel?: string;
  children?: ReactNode;
}) {
  return (
    <IdleFrame height={height}>
      <ResponsiveContainer width="100%" height={height}>
        <LineChart data={UNIT_DATA} margin={CHART_MARGIN}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis {...UNIT_X_AXIS} />
          <YAxis type="number" interval={0} allowDataOverflow {...yAxis} />
          {children}
          <SeriesLayer format={format} xLabel={xLabel} />
        </LineChart>
      </ResponsiveContainer>
    </IdleFrame>
  );
}

/**
 * A Recharts frame that mounts in its turn of the idle queue (idleMount.ts), holding its height
 * until then, so no frame mounts in the same task as another or as a job starts.
 */
export function IdleFrame({ height, children }: { height: number; children: ReactNode }) {
  return useIdleMount() ? children : <div className="frame-waiting" style={{ height }} />;
}
