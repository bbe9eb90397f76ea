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
import { CHART_MARGIN, COLOURS, formatPercent, STATIC, STEP_AXIS } from './chartStyle';

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
          <LineChart data={data} margin={CHART_MARGIN}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis {...STEP_AXIS} />
            <YAxis width={52} domain={[0, 100]} unit="%" />
            <Tooltip formatter={formatPercent} />
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
