import { useContext, useId, useMemo, useState, type ReactElement } from 'react';
import { usePlotArea, useXAxisScale, useYAxisScale } from 'recharts';
import { dotsPath, linePath, nearestIndex, type Scale, type XY } from './seriesPath';
import type { AxisRange } from './axisScale';
import { SeriesContext, type LiveContent, type LiveSeries } from './liveSeries';

/**
 * The chart's frame and its live series: the frame redraws only when its own props change. A
 * chart with nothing to draw yet still shows its frame, with `note` over it, so that the frame
 * has mounted long before a job's first report (idleMount.ts says why).
 */
export function WithSeries({
  series,
  steps,
  frame,
  note,
}: {
  series: readonly LiveSeries[];
  /** the step axis's range, for a chart over training steps */
  steps?: AxisRange;
  frame: ReactElement;
  /** what the empty chart waits for */
  note?: string;
}) {
  const content = useMemo((): LiveContent => ({ series, steps }), [series, steps]);
  return (
    <div className="series-frame">
      <SeriesContext.Provider value={content}>{frame}</SeriesContext.Provider>
      {note && (
        <p className="muted frame-note">
          <span>{note}</span>
        </p>
      )}
    </div>
  );
}

const asScale =
  (scale: ((value: unknown) => number | undefined) | undefined): Scale =>
  (value) =>
    scale?.(value);

const READOUT_LINE = 15;
const READOUT_CHAR = 6.6;

/**
 * Inside a Recharts chart: the series of the nearest SeriesContext, drawn with the chart's axes
 * and clipped to its plot area, and on hover the values nearest the pointer (Recharts' tooltip
 * needs the data in Recharts).
 */
export function SeriesLayer({
  format,
  xLabel = 'step',
}: {
  format: (value: number) => string;
  xLabel?: string;
}) {
  const { series, steps } = useContext(SeriesContext);
  const frameX = asScale(useXAxisScale());
  const y = asScale(useYAxisScale());
  const area = usePlotArea();
  const clipId = `series-clip-${useId().replace(/:/g, '')}`;
  if (!area) return null;
  const x: Scale = steps ? rangeScale(steps, area) : frameX;
  return (
    <g className="live-series">
      {steps && <StepAxis range={steps} x={x} area={area} />}
      <defs>
        <clipPath id={clipId}>
          <rect x={area.x} y={area.y} width={area.width} height={area.height} />
        </clipPath>
      </defs>
      <g clipPath={`url(#${clipId})`}>
        {series.map((s) => (
          <g key={s.name} data-series={s.name}>
            {s.line !== false && (
              <path
                className="live-line"
                d={linePath(s.points, x, y, s.shape ?? 'linear')}
                fill="none"
                stroke={s.colour}
                strokeWidth={s.width ?? 1.5}
                strokeDasharray={s.dash}
              />
            )}
            {s.dots && (
              <path
                className="live-dots"
                data-points={s.points.length}
                d={dotsPath(s.points, x, y, s.dotRadius ?? 3, s.dots)}
                fill={s.dots === 'circle' ? s.colour : 'none'}
                stroke={s.colour}
                strokeWidth={s.dots === 'cross' ? 1.5 : 0}
              />
            )}
          </g>
        ))}
      </g>
      <Hover series={series} x={x} area={area} format={format} xLabel={xLabel} />
    </g>
  );
}

type Area = { x: number; y: number; width: number; height: number };

/**
 * The pointer's readout, in a component of its own: moving the pointer redraws the readout, not
 * every series' path.
 */
function Hover(props: {
  series: readonly LiveSeries[];
  x: Scale;
  area: Area;
  format: (value: number) => string;
  xLabel: string;
}) {
  const { area } = props;
  const [pointer, setPointer] = useState<number | null>(null);
  return (
    <>
      {pointer !== null && <Readout {...props} pixelX={pointer} />}
      <rect
        className="live-hover"
        x={area.x}
        y={area.y}
        width={area.width}
        height={area.height}
        fill="transparent"
        onMouseMove={(event) => {
          const box = event.currentTarget.getBoundingClientRect();
          setPointer(area.x + event.clientX - box.left);
        }}
        onMouseLeave={() => setPointer(null)}
      />
    </>
  );
}

/** Steps to pixels across the plot area. */
const rangeScale =
  ({ domain: [low, high] }: AxisRange, area: Area): Scale =>
  (value) =>
    area.x + ((value - low) / (high - low || 1)) * area.width;

/** The step axis: a grid line, a tick and a label at each of its ticks, as Recharts draws them. */
function StepAxis({ range, x, area }: { range: AxisRange; x: Scale; area: Area }) {
  const bottom = area.y + area.height;
  return (
    <g className="live-step-axis">
      {range.ticks.map((tick) => {
        const at = x(tick) ?? 0;
        return (
          <g key={tick}>
            <line
              x1={at}
              x2={at}
              y1={area.y}
              y2={bottom}
              stroke="#ccc"
              strokeDasharray="3 3"
              fill="none"
            />
            <line x1={at} x2={at} y1={bottom} y2={bottom + 6} stroke="#666" />
            <text
              className="recharts-text recharts-cartesian-axis-tick-value"
              x={at}
              y={bottom + 8}
              textAnchor="middle"
              fill="#666"
            >
              <tspan dy="0.71em">{tick}</tspan>
            </text>
          </g>
        );
      })}
    </g>
  );
}

/** The point nearest the pointer's x in each series, as a vertical rule and a small table. */
function Readout({
  series,
  pixelX,
  x,
  area,
  format,
  xLabel,
}: {
  series: readonly LiveSeries[];
  pixelX: number;
  x: Scale;
  area: Area;
  format: (value: number) => string;
  xLabel: string;
}) {
  const atX = (point: XY) => x(point.x) ?? NaN;
  // the nearest point of each series by pixel distance (a series' x is in data units)
  const rows: { name: string; colour: string; x: number; y: number }[] = [];
  for (const s of series) {
    const drawable = s.points.filter((p) => p.y !== null && !Number.isNaN(p.y));
    const pixelPoints = drawable.map((p) => ({ x: atX(p), y: p.y }));
    const i = nearestIndex(pixelPoints, pixelX);
    if (i >= 0 && Number.isFinite(pixelPoints[i].x))
      rows.push({ name: s.name, colour: s.colour, x: drawable[i].x, y: drawable[i].y as number });
  }
  if (rows.length === 0) return null;
  const anchor = rows.reduce((best, row) =>
    Math.abs((x(row.x) ?? Infinity) - pixelX) < Math.abs((x(best.x) ?? Infinity) - pixelX)
      ? row
      : best,
  );
  // as many rows as the plot's height holds (a rank chart has a series per layer)
  const fits = Math.max(1, Math.floor((area.height - 8) / READOUT_LINE) - 2);
  const shown = rows.length > fits + 1 ? rows.slice(0, fits) : rows;
  const lines = [
    `${xLabel} ${anchor.x}`,
    ...shown.map((row) => `${row.name}: ${format(row.y)}`),
    ...(shown.length < rows.length ? [`and ${rows.length - shown.length} more`] : []),
  ];
  const width = 12 + READOUT_CHAR * Math.max(...lines.map((line) => line.length));
  const height = 8 + READOUT_LINE * lines.length;
  const ruleX = x(anchor.x) ?? pixelX;
  const left =
    ruleX + 10 + width > area.x + area.width ? Math.max(area.x, ruleX - 10 - width) : ruleX + 10;
  return (
    <g className="live-readout" pointerEvents="none">
      <line x1={ruleX} x2={ruleX} y1={area.y} y2={area.y + area.height} stroke="#999" />
      <rect
        x={left}
        y={area.y + 4}
        width={width}
        height={height}
        rx={3}
        fill="#fff"
        stroke="#ccc"
      />
      {lines.map((line, i) => (
        <text
          key={i}
          x={left + 6}
          y={area.y + 4 + READOUT_LINE * (i + 1)}
          fontSize={11}
          fill={shown[i - 1]?.colour ?? '#333'}
        >
          {line}
        </text>
      ))}
    </g>
  );
}
