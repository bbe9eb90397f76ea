import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useStudio } from '../../store/store';
import { ChartCard } from './ChartCard';
import { COLOURS, STATIC } from './chartStyle';

/** Params and MACs of the deployable model as a share of the dense one, over time. */
export function CompressionChart() {
  const history = useStudio((state) => state.compressionHistory);
  const data = history.map((h) => ({
    step: h.step,
    params: 100 * h.paramsKept,
    macs: 100 * h.macsKept,
  }));
  return (
    <ChartCard
      title="Size and compute kept"
      testId="compression-chart"
      explanation={
        <p>
          The deployable model stores each layer in its cheaper form (two thin factors below the
          break-even rank, one merged kernel above it). These lines are its parameters and
          multiply-accumulates as a percentage of the dense network's.
        </p>
      }
    >
      {data.length === 0 ? (
        <p className="muted">Appears after the first epoch or prune event.</p>
      ) : (
        <ResponsiveContainer width="100%" height={180}>
          <LineChart data={data} margin={{ top: 5, right: 10, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis
              dataKey="step"
              type="number"
              domain={['dataMin', 'dataMax']}
              allowDecimals={false}
            />
            <YAxis width={52} domain={[0, 100]} unit="%" />
            <Tooltip formatter={(v) => `${Number(v).toFixed(1)}%`} />
            <Legend />
            <Line
              dataKey="params"
              name="params kept"
              type="stepAfter"
              stroke={COLOURS.kept}
              dot
              {...STATIC}
            />
            <Line
              dataKey="macs"
              name="MACs kept"
              type="stepAfter"
              stroke={COLOURS.macs}
              dot
              {...STATIC}
            />
          </LineChart>
        </ResponsiveContainer>
      )}
    </ChartCard>
  );
}
