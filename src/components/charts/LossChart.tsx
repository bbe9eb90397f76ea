import { useMemo, useState } from 'react';
import {
  Area,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useStudio } from '../../store/store';
import { ChartCard } from './ChartCard';
import { CHART_MARGIN, COLOURS, STATIC, STEP_AXIS } from './chartStyle';

/** Training loss split into its three terms, with the dense baseline's cross-entropy. */
export function LossChart() {
  const steps = useStudio((state) => state.steps);
  const baseline = useStudio((state) => state.baselineSteps);
  const [stacked, setStacked] = useState(true);
  const data = useMemo(() => {
    const byStep = new Map(
      steps.map((p) => [
        p.step,
        { step: p.step, crossEntropy: p.crossEntropy, orth: p.orth, rank: p.rank } as Record<
          string,
          number
        >,
      ]),
    );
    for (const p of baseline)
      byStep.set(p.step, { ...(byStep.get(p.step) ?? { step: p.step }), baseline: p.crossEntropy });
    return [...byStep.values()].sort((a, b) => a.step - b.step);
  }, [steps, baseline]);
  const Term = stacked ? Area : Line;
  const termProps = (key: 'crossEntropy' | 'orth' | 'rank', name: string) => ({
    dataKey: key,
    name,
    stroke: COLOURS[key],
    fill: COLOURS[key],
    fillOpacity: 0.35,
    dot: false,
    type: 'monotone' as const,
    connectNulls: true,
    ...(stacked ? { stackId: 'loss' } : {}),
    ...STATIC,
  });
  return (
    <ChartCard
      title="Loss"
      testId="loss-chart"
      controls={
        <label className="small">
          <input
            type="checkbox"
            checked={stacked}
            onChange={(event) => setStacked(event.target.checked)}
          />{' '}
          stacked
        </label>
      }
      explanation={
        <p>
          The training loss per step, split into the task loss (cross-entropy), the orthogonality
          term λ<sub>o</sub>·(‖UᵀU−I‖² + ‖VᵀV−I‖²)/r² that keeps the factors orthonormal, and the
          rank term λ<sub>r</sub>·‖s‖₁/‖s‖₂ that pushes singular values towards zero so pruning can
          remove them. Grey: the dense baseline's cross-entropy, when a comparison runs.
        </p>
      }
    >
      <ResponsiveContainer width="100%" height={220}>
        <ComposedChart data={data} margin={CHART_MARGIN}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis {...STEP_AXIS} />
          <YAxis width={48} tickFormatter={(v: number) => v.toFixed(2)} />
          <Tooltip formatter={(v) => Number(v).toFixed(4)} />
          <Legend />
          <Term {...termProps('crossEntropy', 'cross-entropy')} />
          <Term {...termProps('orth', 'orthogonality')} />
          <Term {...termProps('rank', 'rank term')} />
          {baseline.length > 0 && (
            <Line
              dataKey="baseline"
              name="dense CE"
              stroke={COLOURS.baseline}
              strokeDasharray="4 3"
              dot={false}
              connectNulls
              {...STATIC}
            />
          )}
        </ComposedChart>
      </ResponsiveContainer>
    </ChartCard>
  );
}
