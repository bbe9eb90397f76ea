import { useMemo } from 'react';
import {
  CartesianGrid,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useStaggeredStudio } from './useStaggeredStudio';
import { ChartCard } from './ChartCard';
import { rankChanges } from './downsample';
import { CHART_MARGIN, COLOURS, STATIC, STEP_AXIS, stepAxisRange } from './chartStyle';
import { steady, zeroBasedRange } from './axisScale';

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

/** Every layer's rank over time; dashed: the selected layer's break-even rank. */
export function RankChart() {
  const {
    layers,
    rankHistory: history,
    selectedLayer: selected,
  } = useStaggeredStudio(
    (state) => ({
      layers: state.layers,
      rankHistory: state.rankHistory,
      selectedLayer: state.selectedLayer,
    }),
    4,
  );
  const data = useMemo(() => {
    // ranks only change at prune events: draw those points, and the latest report, to which the
    // last ranks hold
    const changes = rankChanges(history);
    const latest = history.at(-1);
    const points = latest && latest !== changes.at(-1) ? [...changes, latest] : changes;
    return points.map(({ step, ranks }) =>
      Object.fromEntries([['step', step], ...ranks.map((rank, i) => [`l${i}`, rank])]),
    );
  }, [history]);
  const breakEven = layers[selected]?.breakEvenRank;
  const x = stepAxisRange(history.at(-1)?.step);
  const y = steady(zeroBasedRange(Math.max(0, ...layers.map((l) => l.fullRank)), 4, true, 4));
  const breakEvenLabel = useMemo(
    () =>
      breakEven === undefined
        ? undefined
        : {
            value: `break-even ${breakEven.toFixed(1)}`,
            position: 'insideTopRight' as const,
            fill: COLOURS.cut,
          },
    [breakEven],
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
      {data.length === 0 ? (
        <p className="muted">Ranks appear once a low-rank job is configured.</p>
      ) : (
        <ResponsiveContainer width="100%" height={220}>
          <LineChart data={data} margin={CHART_MARGIN}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis {...STEP_AXIS} domain={x.domain} ticks={x.ticks} />
            <YAxis width={40} domain={y.domain} ticks={y.ticks} interval={0} />
            <Tooltip />
            {layers.map((layer, i) => (
              <Line
                key={layer.name}
                dataKey={`l${i}`}
                name={layer.name}
                type="stepAfter"
                stroke={PALETTE[i % PALETTE.length]}
                strokeWidth={i === selected ? 3 : 1.5}
                dot={false}
                {...STATIC}
              />
            ))}
            {breakEven !== undefined && (
              <ReferenceLine
                y={breakEven}
                stroke={COLOURS.cut}
                strokeDasharray="5 3"
                label={breakEvenLabel}
              />
            )}
          </LineChart>
        </ResponsiveContainer>
      )}
    </ChartCard>
  );
}
