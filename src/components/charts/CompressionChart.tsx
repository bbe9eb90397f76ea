import { useMemo } from 'react';
import { ReferenceLine } from 'recharts';
import { useStaggeredStudio } from './useStaggeredStudio';
import { CHART_POINTS, downsample } from './downsample';
import { ChartCard } from './ChartCard';
import { ChartLegend, type LegendItem } from './ChartLegend';
import { COLOURS, DOTS_UP_TO, formatPercent, stepAxisRange } from './chartStyle';
import { steady, zeroBasedRange } from './axisScale';
import { WithSeries } from './SeriesLayer';
import { StepFrame } from './StepFrame';
import type { LiveSeries } from './liveSeries';

const SERIES = [
  { key: 'params', name: 'params kept (deployable)', colour: COLOURS.kept },
  { key: 'factorised', name: 'params as U, s, V', colour: COLOURS.orth },
  { key: 'rank', name: 'rank kept', colour: COLOURS.rank },
  { key: 'macs', name: 'MACs kept', colour: COLOURS.macs },
] as const;

const LEGEND: LegendItem[] = SERIES.map((s) => ({ name: s.name, colour: s.colour, mark: 'line' }));

/** Size of the network as a share of the dense one, over time, with the target size. */
export function CompressionChart() {
  const { compressionHistory: history, config } = useStaggeredStudio(
    (state) => ({ compressionHistory: state.compressionHistory, config: state.config }),
    5,
  );
  const { targetParamsKept: target, pruning } = config;
  const data = useMemo(
    () =>
      downsample(
        history.map((h) => ({
          step: h.step,
          params: 100 * h.paramsKept,
          factorised: 100 * h.factorisedParamsKept,
          rank: 100 * h.rankKept,
          macs: 100 * h.macsKept,
        })),
        (d) => d.params,
        CHART_POINTS,
      ),
    [history],
  );
  const series = useMemo(
    () =>
      SERIES.map((s): LiveSeries => ({
        name: s.name,
        colour: s.colour,
        shape: 'stepAfter',
        points: data.map((d) => ({ x: d.step, y: d[s.key] })),
        ...(s.key === 'params' && data.length <= DOTS_UP_TO ? { dots: 'circle' } : {}),
      })),
    [data],
  );
  let top = 100;
  for (const d of data) if (d.factorised > top) top = d.factorised;
  const y = steady(zeroBasedRange(top, 5, true, 100));
  const x = stepAxisRange(data.at(-1)?.step);
  const showTarget = target > 0 && pruning;
  const frame = useMemo(
    () => (
      <StepFrame
        height={200}
        yAxis={{ width: 52, domain: y.domain, ticks: y.ticks, unit: '%' }}
        format={formatPercent}
      >
        {showTarget && (
          <ReferenceLine
            y={target}
            stroke={COLOURS.cut}
            strokeDasharray="6 4"
            label={{ value: `target ${target}%`, position: 'insideTopRight', fontSize: 12 }}
            data-testid="target-line"
          />
        )}
      </StepFrame>
    ),
    [y, target, showTarget],
  );
  const last = history.at(-1);
  const targetText = target > 0 && pruning ? ` (target ${target}%)` : '';
  const summary = last
    ? `At step ${last.step}: params kept ${(100 * last.paramsKept).toFixed(1)}%${targetText}, as U, s, V ${(100 * last.factorisedParamsKept).toFixed(1)}%, rank kept ${(100 * last.rankKept).toFixed(1)}%, MACs kept ${(100 * last.macsKept).toFixed(1)}%.`
    : `Size: no report yet${targetText}.`;
  return (
    <ChartCard
      title="Size and compute kept"
      testId="compression-chart"
      summary={summary}
      explanation={
        <>
          <p>
            <strong>Params kept</strong> is what an exported model stores: each layer in its cheaper
            form (two thin factors below the break-even rank, one merged kernel above it).
            <strong> Params as U, s, V</strong> counts every layer factorised, which is more than
            dense at full rank. <strong>Rank kept</strong> is the sum of ranks over the sum of full
            ranks. All as a percentage of the dense network.
          </p>
          {target > 0 && pruning && (
            <p>
              The dashed line is the target size: the pruning schedule cuts towards it and reaches
              it at the end of the pruning window.
            </p>
          )}
        </>
      }
    >
      <WithSeries
        series={series}
        steps={x}
        frame={frame}
        note={
          data.length > 0
            ? undefined
            : `Appears after the first epoch or prune event${showTarget ? `; the run ends at the target ${target}% of the dense params` : ''}.`
        }
      />
      {data.length > 0 && <ChartLegend items={LEGEND} />}
    </ChartCard>
  );
}
