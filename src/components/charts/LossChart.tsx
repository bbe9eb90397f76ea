import { memo, useMemo } from 'react';
import {
  CartesianGrid,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { ChartCard } from './ChartCard';
import { ChartLegend, type LegendItem } from './ChartLegend';

const LOSS_LEGEND: LegendItem[] = [
  { name: 'cross-entropy', colour: COLOURS.crossEntropy, mark: 'line' },
];
const LOSS_LEGEND_WITH_DENSE: LegendItem[] = [
  ...LOSS_LEGEND,
  { name: 'dense cross-entropy', colour: COLOURS.baseline, mark: 'dashed' },
];
const REGULARISER_LEGEND: LegendItem[] = [
  { name: 'orthogonality', colour: COLOURS.orth, mark: 'line' },
  { name: 'rank term', colour: COLOURS.rank, mark: 'line' },
];
import {
  CHART_MARGIN,
  COLOURS,
  formatExponent2,
  formatFixed4,
  STATIC,
  STEP_AXIS,
  stepAxisRange,
  tickExponent0,
  tickFixed2,
} from './chartStyle';
import { decadeRange, steady, zeroBasedRange } from './axisScale';
import { CHART_POINTS, downsample } from './downsample';
import { useStaggeredStudio } from './useStaggeredStudio';
import { logDomain, lossSummary, regulariserPoints } from './lossPoints';

/**
 * The cross-entropy on its own axis, where a learner sees it fall; the regulariser terms below it
 * on a log scale, where an orthogonality spike cannot flatten the curve that matters.
 */
export function LossChart() {
  const { steps, baseline, jobConfig, config } = useStaggeredStudio(
    (state) => ({
      steps: state.steps,
      baseline: state.baselineSteps,
      jobConfig: state.jobConfig,
      config: state.config,
    }),
    0,
  );
  const lambdaRank = jobConfig?.lambdaRank ?? config.lambdaRank;
  const crossEntropy = useMemo(() => {
    const byStep = new Map(
      steps.map((p) => [
        p.step,
        { step: p.step, crossEntropy: p.crossEntropy } as Record<string, number>,
      ]),
    );
    for (const p of baseline)
      byStep.set(p.step, { ...(byStep.get(p.step) ?? { step: p.step }), baseline: p.crossEntropy });
    const merged = [...byStep.values()].sort((a, b) => a.step - b.step);
    return downsample(merged, (p) => p.crossEntropy ?? p.baseline, CHART_POINTS);
  }, [steps, baseline]);
  const lossRange = steady(
    zeroBasedRange(
      Math.max(0, ...crossEntropy.map((p) => p.crossEntropy ?? p.baseline ?? 0)),
      4,
      false,
    ),
  );
  const x = stepAxisRange(crossEntropy.at(-1)?.step);
  return (
    <ChartCard
      title="Loss"
      testId="loss-chart"
      summary={lossSummary(steps.at(-1), baseline.at(-1))}
      explanation={
        <>
          <p>
            Top: the task loss (cross-entropy) per step; it falls as the network learns. Grey: the
            dense baseline's, when a comparison runs.
          </p>
          <p>
            Bottom, on a log scale: the orthogonality term λ<sub>o</sub>·(‖UᵀU−I‖² + ‖VᵀV−I‖²)/r²
            that keeps the factors orthonormal, and the rank term λ<sub>r</sub>·(normalised
            ‖s‖₁/‖s‖₂) that pushes singular values towards zero (off after the pruning window
            {lambdaRank === 0 ? ', and off in this run: λ rank is 0' : ''}).
          </p>
        </>
      }
    >
      <ResponsiveContainer width="100%" height={170}>
        <LineChart data={crossEntropy} margin={CHART_MARGIN}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis {...STEP_AXIS} domain={x.domain} ticks={x.ticks} />
          <YAxis
            width={48}
            tickFormatter={tickFixed2}
            domain={lossRange.domain}
            ticks={lossRange.ticks}
            interval={0}
            allowDataOverflow
          />
          <Tooltip formatter={formatFixed4} />
          <Line
            dataKey="crossEntropy"
            name="cross-entropy"
            stroke={COLOURS.crossEntropy}
            dot={false}
            connectNulls
            {...STATIC}
          />
          {baseline.length > 0 && (
            <Line
              dataKey="baseline"
              name="dense cross-entropy"
              stroke={COLOURS.baseline}
              strokeDasharray="4 3"
              dot={false}
              connectNulls
              {...STATIC}
            />
          )}
        </LineChart>
      </ResponsiveContainer>
      <ChartLegend items={baseline.length > 0 ? LOSS_LEGEND_WITH_DENSE : LOSS_LEGEND} />
      <RegulariserPanel />
    </ChartCard>
  );
}

/** The log axis of the regulariser terms: whole decades (see logDomain). */
function logRange(points: Parameters<typeof logDomain>[0]) {
  const [low, high] = logDomain(points);
  return decadeRange(low, high);
}

/** The regulariser terms on a log scale; drawn in its own turn (it is a chart of its own). */
const RegulariserPanel = memo(function RegulariserPanel() {
  const { steps } = useStaggeredStudio((state) => ({ steps: state.steps }), 1);
  const regularisers = useMemo(
    () => downsample(regulariserPoints(steps), (p) => p.orth ?? 0, CHART_POINTS),
    [steps],
  );
  const y = steady(logRange(regularisers));
  const x = stepAxisRange(regularisers.at(-1)?.step);
  return (
    <>
      <ResponsiveContainer width="100%" height={110}>
        <LineChart data={regularisers} margin={CHART_MARGIN}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis {...STEP_AXIS} domain={x.domain} ticks={x.ticks} />
          <YAxis
            width={48}
            scale="log"
            domain={y.domain}
            ticks={y.ticks}
            interval={0}
            allowDataOverflow
            tickFormatter={tickExponent0}
          />
          <Tooltip formatter={formatExponent2} />
          <Line dataKey="orth" name="orthogonality" stroke={COLOURS.orth} dot={false} {...STATIC} />
          <Line dataKey="rank" name="rank term" stroke={COLOURS.rank} dot={false} {...STATIC} />
        </LineChart>
      </ResponsiveContainer>
      <ChartLegend items={REGULARISER_LEGEND} />
    </>
  );
});
