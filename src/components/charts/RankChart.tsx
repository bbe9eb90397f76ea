import { useMemo } from 'react';
import { ReferenceLine } from 'recharts';
import { useStaggeredStudio } from './useStaggeredStudio';
import { ChartCard } from './ChartCard';
import { rankChanges } from './downsample';
import { COLOURS, stepAxisRange } from './chartStyle';
import { WithSeries } from './SeriesLayer';
import { StepFrame } from './StepFrame';
import type { LiveSeries } from './liveSeries';
import { coarseStep, steady, zeroBasedRange } from './axisScale';

const PALETTE = [
  '#2d4a8a',
  '#c9812b',
  '#8a3d9c',
  '#2e8b57',
  '#c0392b',
  '#4a90a4',
  '#8c6d31',
  '#d45087',
  '#665191',
  '#3b7d3b',
];

const formatRank = (rank: number) => String(rank);

/** Every layer's rank over time; dashed: the selected layer's break-even rank. */
export function RankChart() {
  const {
    layers,
    rankHistory: history,
    selectedLayer: selected,
    shownStep,
  } = useStaggeredStudio(
    (state) => ({
      layers: state.layers,
      rankHistory: state.rankHistory,
      selectedLayer: state.selectedLayer,
      // a number, so it compares by value: the lines reach the present without a redraw a step
      shownStep: coarseStep(state.step),
    }),
    4,
  );
  const data = useMemo(() => {
    // ranks only change at prune events: draw those points, and hold the last ranks to the latest
    // report or (roughly) the present, whichever is later
    const changes = rankChanges(history);
    const last = changes.at(-1);
    const until = Math.max(history.at(-1)?.step ?? 0, shownStep);
    return last && until > last.step ? [...changes, { step: until, ranks: last.ranks }] : changes;
  }, [history, shownStep]);
  const series = useMemo(
    () =>
      layers.map((layer, i): LiveSeries => ({
        name: layer.name,
        colour: PALETTE[i % PALETTE.length],
        width: i === selected ? 3 : 1.5,
        shape: 'stepAfter',
        points: data.map((d) => ({ x: d.step, y: d.ranks[i] ?? null })),
      })),
    [layers, data, selected],
  );
  const breakEven = layers[selected]?.breakEvenRank;
  const x = stepAxisRange(data.at(-1)?.step);
  const y = steady(zeroBasedRange(Math.max(0, ...layers.map((l) => l.fullRank)), 4, true, 4));
  const frame = useMemo(
    () => (
      <StepFrame
        height={220}
        yAxis={{ width: 40, domain: y.domain, ticks: y.ticks }}
        format={formatRank}
      >
        {breakEven !== undefined && (
          <ReferenceLine
            y={breakEven}
            stroke={COLOURS.cut}
            strokeDasharray="5 3"
            label={{
              value: `break-even ${breakEven.toFixed(1)}`,
              position: 'insideTopRight',
              fill: COLOURS.cut,
            }}
          />
        )}
      </StepFrame>
    ),
    [y, breakEven],
  );
  return (
    <ChartCard
      title="Ranks"
      summary={
        layers.length
          ? `Ranks now: ${layers.map((l) => `${l.name} ${l.rank} of ${l.fullRank}`).join(', ')}.`
          : 'Ranks: no low-rank job yet.'
      }
      testId="rank-chart"
      explanation={
        <p>
          One line per factorised layer: how many directions it keeps. Pruning only ever lowers a
          rank. A layer saves parameters and compute only below its break-even rank r* = k²·Cin·Cout
          / (k²·Cin + Cout) (dashed, for the layer selected in the spectrum chart); above it, the
          exported model merges U diag(s) Vᵀ back into one dense kernel.
        </p>
      }
    >
      <WithSeries
        series={series}
        steps={x}
        frame={frame}
        note={data.length > 0 ? undefined : 'Ranks appear once a low-rank job is configured.'}
      />
    </ChartCard>
  );
}
