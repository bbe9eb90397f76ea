import { useMemo } from 'react';
import type { RunRow } from '../../runs/runColumns';
import type { RunAlignment } from '../../store/store';
import { steady, zeroBasedRange, type AxisRange } from '../charts/axisScale';
import { ChartCard } from '../charts/ChartCard';
import { ChartLegend } from '../charts/ChartLegend';
import { formatFixed4, formatPercent } from '../charts/chartStyle';
import { WithSeries } from '../charts/SeriesLayer';
import { StepFrame } from '../charts/StepFrame';
import { overlayEnd, overlaySeries, runColour, type DigestField } from './overlaySeries';

const X_LABELS: Record<RunAlignment, string> = {
  step: 'step',
  epoch: 'epoch',
  fraction: 'share of run',
};

/** One overlay: `field` of every selected run, lined up by the chosen alignment. */
export function OverlayChart({
  title,
  testId,
  rows,
  field,
  alignment,
  percent,
  range,
  explanation,
}: {
  title: string;
  testId: string;
  rows: readonly RunRow[];
  field: DigestField;
  alignment: RunAlignment;
  /** values are shares, drawn as percentages */
  percent?: boolean;
  /** the y axis (default: 0 to the highest value) */
  range?: AxisRange;
  explanation: string;
}) {
  const scale = percent ? 100 : 1;
  const series = useMemo(
    () =>
      overlaySeries(
        rows,
        field,
        alignment,
        scale,
        field === 'paramsKept' || field === 'rankKept' ? 'stepAfter' : 'linear',
      ),
    [rows, field, alignment, scale],
  );
  const y = useMemo(() => {
    if (range) return range;
    let top = 0;
    for (const s of series) for (const p of s.points) if (p.y !== null && p.y > top) top = p.y;
    return steady(zeroBasedRange(top, 5, !percent && top > 5, percent ? 100 : 1));
  }, [range, series, percent]);
  const end = overlayEnd(rows, alignment);
  const x = useMemo(
    () => steady(zeroBasedRange(end, 5, alignment === 'step', 1)),
    [end, alignment],
  );
  const format = percent ? formatPercent : formatFixed4;
  const frame = useMemo(
    () => (
      <StepFrame
        height={200}
        yAxis={{ width: 52, domain: y.domain, ticks: y.ticks, unit: percent ? '%' : undefined }}
        format={format}
        xLabel={X_LABELS[alignment]}
      />
    ),
    [y, percent, format, alignment],
  );
  const summary = rows
    .map((row, i) => {
      const last = series[i].points.at(-1);
      return `${row.name}: ${last ? format(last.y) : 'no points'}`;
    })
    .join('; ');
  return (
    <ChartCard
      title={title}
      testId={testId}
      summary={`${title} by ${X_LABELS[alignment]}, last values: ${summary}`}
      explanation={<p>{explanation}</p>}
    >
      <WithSeries series={series} steps={x} frame={frame} />
      <ChartLegend
        items={rows.map((row, i) => ({ name: row.name, colour: runColour(i), mark: 'line' }))}
      />
    </ChartCard>
  );
}
