import {
  CartesianGrid,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { RunRow } from '../../runs/runColumns';
import { ChartCard } from '../charts/ChartCard';
import { ChartLegend } from '../charts/ChartLegend';
import { CHART_MARGIN } from '../charts/chartStyle';
import { accuracyOf, runColour } from './overlaySeries';

/** Accuracy against params kept, one point a selected run: the picture of docs/results.md. */
export function RunsScatter({ rows }: { rows: readonly RunRow[] }) {
  const points = rows.map((row, i) => {
    const accuracy = accuracyOf(row);
    return {
      row,
      colour: runColour(i),
      data: accuracy
        ? [{ params: 100 * row.summary.paramsKept, accuracy: 100 * accuracy.value }]
        : [],
      on: accuracy?.on,
    };
  });
  const summary = points
    .map((p) =>
      p.data.length
        ? `${p.row.name}: ${p.data[0].accuracy.toFixed(1)}% ${p.on} accuracy at ${p.data[0].params.toFixed(1)}% of the params`
        : `${p.row.name}: no accuracy measured`,
    )
    .join('; ');
  return (
    <ChartCard
      title="Accuracy against size"
      testId="runs-scatter"
      summary={summary}
      explanation={
        <p>
          Each selected run at its end: test accuracy (validation accuracy for a run that held
          images out and was not tested) against the deployable params kept, as a share of the dense
          network. Up and to the left is better.
        </p>
      }
    >
      <ResponsiveContainer width="100%" height={220}>
        <ScatterChart margin={{ ...CHART_MARGIN, bottom: 16 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            type="number"
            dataKey="params"
            name="params kept"
            unit="%"
            domain={[0, 100]}
            label={{ value: 'params kept', position: 'insideBottom', offset: -12, fontSize: 12 }}
          />
          <YAxis
            type="number"
            dataKey="accuracy"
            name="accuracy"
            unit="%"
            domain={[0, 100]}
            width={52}
          />
          <Tooltip
            cursor={{ strokeDasharray: '3 3' }}
            formatter={(value) => `${Number(value).toFixed(1)}%`}
          />
          {points.map((p) => (
            <Scatter
              key={p.row.id}
              name={p.row.name}
              data={p.data}
              fill={p.colour}
              isAnimationActive={false}
            />
          ))}
        </ScatterChart>
      </ResponsiveContainer>
      <ChartLegend
        items={rows.map((row, i) => ({ name: row.name, colour: runColour(i), mark: 'dot' }))}
      />
    </ChartCard>
  );
}
