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
import { CHART_MARGIN, COLOURS, STATIC, STEP_AXIS } from './chartStyle';

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
    step: currentStep,
  } = useStaggeredStudio(
    (state) => ({
      layers: state.layers,
      rankHistory: state.rankHistory,
      selectedLayer: state.selectedLayer,
      step: state.step,
    }),
    4,
  );
  // ranks only change at prune events: draw those points, not every report
  const changes = useMemo(() => rankChanges(history), [history]);
  const data = useMemo(() => {
    // ranks hold between reports: extend the last one to the current step
    const last = changes.at(-1);
    const points =
      last && currentStep > last.step
        ? [...changes, { step: currentStep, ranks: last.ranks }]
        : changes;
    return points.map(({ step, ranks }) =>
      Object.fromEntries([['step', step], ...ranks.map((rank, i) => [`l${i}`, rank])]),
    );
  }, [changes, currentStep]);
  const breakEven = layers[selected]?.breakEvenRank;
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
            <XAxis {...STEP_AXIS} />
            <YAxis width={40} allowDecimals={false} />
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
                label={{
                  value: `break-even ${breakEven.toFixed(1)}`,
                  position: 'insideTopRight',
                  fill: COLOURS.cut,
                }}
              />
            )}
          </LineChart>
        </ResponsiveContainer>
      )}
    </ChartCard>
  );
}
