import { useMemo } from 'react';
import { latestTest, type StepPoint, type TestEvaluation } from '../../store/store';
import { useStaggeredStudio } from './useStaggeredStudio';
import { TEST_SLICE_IMAGES, type EpochSummary } from '../../protocol';
import { accuracySummary } from './accuracyText';
import { CHART_POINTS, downsample } from './downsample';
import { ChartCard } from './ChartCard';
import { ChartLegend, type LegendItem } from './ChartLegend';
import { WithSeries } from './SeriesLayer';
import { StepFrame } from './StepFrame';
import type { LiveSeries } from './liveSeries';
import type { XY } from './seriesPath';
import { COLOURS, formatPercent, DOTS_UP_TO, stepAxisRange } from './chartStyle';

const PERCENT_DOMAIN: [number, number] = [0, 100];
const PERCENT_TICKS = [0, 25, 50, 75, 100];

/** The key: the whole-test-set results are dots while they are few, a line past that. */
function accuracyLegend(compare: boolean, epochsAsLine: boolean): LegendItem[] {
  const epochMark = epochsAsLine ? 'line' : 'dot';
  return [
    { name: 'train (avg)', colour: COLOURS.train, mark: 'line' },
    { name: `test (${TEST_SLICE_IMAGES}-image slice)`, colour: COLOURS.testSlice, mark: 'line' },
    { name: 'test (all, each epoch)', colour: COLOURS.test, mark: epochMark },
    ...(compare
      ? ([
          { name: 'dense train', colour: COLOURS.baseline, mark: 'dashed' },
          { name: 'dense test (slice)', colour: COLOURS.baseline, mark: 'dashed' },
          { name: 'dense test', colour: COLOURS.baseline, mark: epochMark },
        ] as const)
      : []),
  ];
}

/**
 * Whole-test-set results: dots (joined by a line when `joined`) while they are few, a line alone
 * past DOTS_UP_TO.
 */
function epochSeries(
  points: readonly XY[],
  name: string,
  colour: string,
  asLine: boolean,
  joined: boolean,
): LiveSeries {
  return asLine
    ? { name, colour, points, width: 2 }
    : { name, colour, points, dots: 'circle', dotRadius: 3.5, line: joined };
}

const WINDOW = 10;
/** Whole-test-set points drawn at most: one symbol each. */
const EPOCH_POINTS = 100;

/** Moving average of per-step train accuracy: single batches are noisy. */
function smoothed(points: StepPoint[]): { x: number; y: number }[] {
  let sum = 0;
  return points.map((p, i) => {
    sum += p.trainAccuracy;
    if (i >= WINDOW) sum -= points[i - WINDOW].trainAccuracy;
    return { x: p.step, y: (100 * sum) / Math.min(i + 1, WINDOW) };
  });
}

/** The fixed slice's evaluations (a whole-test-set one asked for between epochs is not a point
 * of the same series). */
const slicePoints = (evaluations: readonly TestEvaluation[]) =>
  downsample(
    evaluations.filter((e) => e.scope === 'slice').map((e) => ({ x: e.step, y: 100 * e.accuracy })),
    (p) => p.y,
    CHART_POINTS,
  );

const epochPoints = (epochs: readonly EpochSummary[]) =>
  downsample(
    epochs.map((e) => ({ x: e.step, y: 100 * e.testAccuracy })),
    (p) => p.y,
    EPOCH_POINTS,
  );

/**
 * Train accuracy (smoothed), test accuracy on a fixed slice every few seconds, and on the whole
 * test set at each epoch's end, for the job and the dense baseline.
 */
export function AccuracyChart() {
  const { steps, epochs, evaluations, baselineSteps, baselineEpochs } = useStaggeredStudio(
    (state) => ({
      steps: state.steps,
      epochs: state.epochs,
      evaluations: state.evaluations,
      baselineSteps: state.baselineSteps,
      baselineEpochs: state.baselineEpochs,
    }),
    2,
  );
  const latest = latestTest(epochs.at(-1), evaluations.main.at(-1));
  const train = useMemo(() => downsample(smoothed(steps), (p) => p.y, CHART_POINTS), [steps]);
  const baselineTrain = useMemo(
    () => downsample(smoothed(baselineSteps), (p) => p.y, CHART_POINTS),
    [baselineSteps],
  );
  // each series keeps its array while its own history is unchanged: Recharts redoes a series
  // whose data is a new array, and most redraws only add training steps
  const test = useMemo(() => epochPoints(epochs), [epochs]);
  const slice = useMemo(() => slicePoints(evaluations.main), [evaluations.main]);
  const baselineSlice = useMemo(() => slicePoints(evaluations.baseline), [evaluations.baseline]);
  const baselineTest = useMemo(() => epochPoints(baselineEpochs), [baselineEpochs]);
  const compare = baselineSteps.length > 0;
  const epochsAsLine = Math.max(test.length, baselineTest.length) > DOTS_UP_TO;
  const legend = useMemo(() => accuracyLegend(compare, epochsAsLine), [compare, epochsAsLine]);
  const series = useMemo(
    (): LiveSeries[] => [
      { name: 'train (avg)', colour: COLOURS.train, points: train },
      {
        name: `test (${TEST_SLICE_IMAGES}-image slice)`,
        colour: COLOURS.testSlice,
        points: slice,
        ...(slice.length <= DOTS_UP_TO ? { dots: 'circle' as const, dotRadius: 2 } : {}),
      },
      epochSeries(test, 'test (all, each epoch)', COLOURS.test, epochsAsLine, false),
      ...(compare
        ? [
            { name: 'dense train', colour: COLOURS.baseline, points: baselineTrain, dash: '4 3' },
            {
              name: 'dense test (slice)',
              colour: COLOURS.baseline,
              points: baselineSlice,
              dash: '2 2',
            },
            epochSeries(baselineTest, 'dense test', COLOURS.baseline, epochsAsLine, true),
          ]
        : []),
    ],
    [train, slice, test, baselineTrain, baselineSlice, baselineTest, compare, epochsAsLine],
  );
  const x = stepAxisRange(
    Math.max(
      train.at(-1)?.x ?? 0,
      slice.at(-1)?.x ?? 0,
      baselineTrain.at(-1)?.x ?? 0,
      test.at(-1)?.x ?? 0,
    ),
  );
  const frame = useMemo(
    () => (
      <StepFrame
        height={220}
        yAxis={{ width: 52, domain: PERCENT_DOMAIN, ticks: PERCENT_TICKS, unit: '%' }}
        format={formatPercent}
      />
    ),
    [],
  );
  return (
    <ChartCard
      title="Accuracy"
      testId="accuracy-chart"
      summary={accuracySummary(latest, train.at(-1)?.y)}
      explanation={
        <p>
          Blue: accuracy on the training batches (a moving average over {WINDOW} steps). Light
          green: accuracy on a fixed slice of {TEST_SLICE_IMAGES} test images, measured every few
          seconds so the curve moves from the start. Green dots: accuracy on the whole test set at
          the end of each epoch. With a comparison running, the grey curves are the dense baseline
          trained with the same recipe: the gap shows what compression costs.
        </p>
      }
    >
      <WithSeries series={series} steps={x} frame={frame} />
      <ChartLegend items={legend} />
    </ChartCard>
  );
}
