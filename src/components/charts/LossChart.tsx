import { memo, useMemo } from 'react';
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
  COLOURS,
  formatExponent2,
  formatFixed4,
  stepAxisRange,
  tickExponent0,
  tickFixed2,
} from './chartStyle';
import { decadeRange, steady, zeroBasedRange } from './axisScale';
import { CHART_POINTS, downsample } from './downsample';
import { useStaggeredStudio } from './useStaggeredStudio';
import { logDomain, lossSummary, regulariserPoints } from './lossPoints';
import { WithSeries } from './SeriesLayer';
import { StepFrame } from './StepFrame';
import type { LiveSeries } from './liveSeries';
import type { StepPoint } from '../../store/store';

/**
 * The cross-entropy on its own axis, where a learner sees it fall; the regulariser terms below it
 * on a log scale, where an orthogonality spike cannot flatten the curve that matters.
 */
/** A step history's cross-entropy, at most CHART_POINTS of it. */
const crossEntropyPoints = (steps: readonly StepPoint[]) =>
  downsample(steps, (p) => p.crossEntropy, CHART_POINTS).map((p) => ({
    x: p.step,
    y: p.crossEntropy,
  }));

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
  const crossEntropy = useMemo(() => crossEntropyPoints(steps), [steps]);
  const dense = useMemo(() => crossEntropyPoints(baseline), [baseline]);
  const series = useMemo(
    (): LiveSeries[] => [
      { name: 'cross-entropy', colour: COLOURS.crossEntropy, points: crossEntropy },
      ...(dense.length > 0
        ? [{ name: 'dense cross-entropy', colour: COLOURS.baseline, points: dense, dash: '4 3' }]
        : []),
    ],
    [crossEntropy, dense],
  );
  let top = 0;
  for (const points of [crossEntropy, dense]) for (const p of points) if (p.y > top) top = p.y;
  const lossRange = steady(zeroBasedRange(top, 4, false));
  const x = stepAxisRange(Math.max(crossEntropy.at(-1)?.x ?? 0, dense.at(-1)?.x ?? 0));
  const frame = useMemo(
    () => (
      <StepFrame
        height={170}
        yAxis={{
          width: 48,
          tickFormatter: tickFixed2,
          domain: lossRange.domain,
          ticks: lossRange.ticks,
        }}
        format={formatFixed4}
      />
    ),
    [lossRange],
  );
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
      <WithSeries series={series} steps={x} frame={frame} />
      <ChartLegend items={dense.length > 0 ? LOSS_LEGEND_WITH_DENSE : LOSS_LEGEND} />
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
    () =>
      regulariserPoints(
        downsample(
          steps,
          (p) => (p.orth > 0 && Number.isFinite(p.orth) ? p.orth : 0),
          CHART_POINTS,
        ),
      ),
    [steps],
  );
  const series = useMemo(
    (): LiveSeries[] => [
      {
        name: 'orthogonality',
        colour: COLOURS.orth,
        points: regularisers.map((p) => ({ x: p.step, y: p.orth })),
      },
      {
        name: 'rank term',
        colour: COLOURS.rank,
        points: regularisers.map((p) => ({ x: p.step, y: p.rank })),
      },
    ],
    [regularisers],
  );
  const y = steady(logRange(regularisers));
  const x = stepAxisRange(regularisers.at(-1)?.step);
  const frame = useMemo(
    () => (
      <StepFrame
        height={110}
        yAxis={{
          width: 48,
          scale: 'log',
          domain: y.domain,
          ticks: y.ticks,
          tickFormatter: tickExponent0,
        }}
        format={formatExponent2}
      />
    ),
    [y],
  );
  return (
    <>
      <WithSeries series={series} steps={x} frame={frame} />
      <ChartLegend items={REGULARISER_LEGEND} />
    </>
  );
});
