// What the charts draw: step, epoch and evaluation histories, spectra, ranks and sizes,
// each bounded (ringBuffer.ts) so a run of hours costs what a run of minutes does.
import type { SizeKept } from '../../lowrank/accounting';
import type { PruneEvent } from '../../lowrank/pruning';
import type { EpochSummary, LayerRank, RunName, StepRecord, StepSeries } from '../../protocol';
import { recordAt } from '../../train/stepSeries';
import { appendBounded } from '../ringBuffer';
import type { SliceCreator } from './types';

/** Points of each series (steps, epochs, evaluations, sizes) kept for the charts. */
export const STEP_HISTORY = 2000;

/** One training step's metrics, as the charts keep them. */
export type StepPoint = StepRecord;

/** A test accuracy (0-1) at a step. */
export interface TestPoint {
  step: number;
  accuracy: number;
}

/** A test accuracy with what it was measured on: a fixed slice or the whole test set. */
export interface TestEvaluation extends TestPoint {
  scope: 'slice' | 'full';
  count: number;
}

/**
 * The job's latest test accuracy: its last evaluation or its last epoch's, whichever is later
 * (epochs carry the whole-test-set result in their summary, evaluations come between them).
 */
export function latestTest(
  lastEpoch: EpochSummary | undefined,
  lastEvaluation: TestEvaluation | undefined,
): TestEvaluation | null {
  const fromEpoch = lastEpoch && {
    step: lastEpoch.step,
    accuracy: lastEpoch.testAccuracy,
    scope: 'full' as const,
    count: lastEpoch.testCount,
  };
  if (!fromEpoch || !lastEvaluation) return fromEpoch ?? lastEvaluation ?? null;
  return lastEvaluation.step > fromEpoch.step ? lastEvaluation : fromEpoch;
}

export interface MetricsSlice {
  steps: StepPoint[];
  epochs: EpochSummary[];
  /** the dense baseline's history, when a comparison runs */
  baselineSteps: StepPoint[];
  baselineEpochs: EpochSummary[];
  layers: LayerRank[];
  spectra: Float32Array[];
  /** ranks of every layer after each spectra report, for the rank-over-time chart */
  rankHistory: { step: number; ranks: number[] }[];
  pruneEvents: (PruneEvent & { step: number })[];
  /**
   * Test accuracy between epochs, per run: on the fixed test slice every few seconds while a job
   * runs, or on the whole test set when asked for.
   */
  evaluations: Record<RunName, TestEvaluation[]>;
  addEvaluation: (evaluation: {
    run: RunName;
    scope: 'slice' | 'full';
    step: number;
    count: number;
    testAccuracy: number;
  }) => void;
  /** the latest size figures (null before the first report) */
  size: SizeKept | null;
  /** size figures after each report that changed them, for the compression chart */
  compressionHistory: ({ step: number } & SizeKept)[];
  addSteps: (run: RunName, series: StepSeries) => void;
  addEpoch: (run: RunName, summary: EpochSummary) => void;
  setSpectra: (step: number, layers: LayerRank[], values: Float32Array[]) => void;
  addPruneEvents: (step: number, events: PruneEvent[], size: SizeKept) => void;
  clearMetrics: () => void;
}

/** Every metric as before the first step. */
export const EMPTY_METRICS = {
  steps: [],
  epochs: [],
  baselineSteps: [],
  baselineEpochs: [],
  layers: [],
  spectra: [],
  rankHistory: [],
  pruneEvents: [],
  size: null,
  compressionHistory: [],
  evaluations: { main: [], baseline: [] },
} satisfies Partial<MetricsSlice>;

export const createMetricsSlice: SliceCreator<MetricsSlice> = (set) => ({
  ...EMPTY_METRICS,
  addSteps: (run, series) =>
    set((state) => {
      const points: StepPoint[] = Array.from(series.step, (_, i) => recordAt(series, i));
      if (run === 'baseline') {
        return { baselineSteps: appendBounded(state.baselineSteps, points, STEP_HISTORY) };
      }
      const last = points.at(-1);
      return {
        steps: appendBounded(state.steps, points, STEP_HISTORY),
        step: last ? last.step : state.step,
      };
    }),
  addEpoch: (run, summary) =>
    set((state) =>
      run === 'baseline'
        ? { baselineEpochs: appendBounded(state.baselineEpochs, [summary], STEP_HISTORY) }
        : {
            epochs: appendBounded(state.epochs, [summary], STEP_HISTORY),
            epoch: summary.epoch,
            size: summary.size,
            compressionHistory: appendBounded(
              state.compressionHistory,
              [{ step: summary.step, ...summary.size }],
              STEP_HISTORY,
            ),
          },
    ),
  addEvaluation: ({ run, scope, step, count, testAccuracy }) =>
    set((state) => {
      const point: TestEvaluation = { step, accuracy: testAccuracy, scope, count };
      return {
        evaluations: {
          ...state.evaluations,
          [run]: appendBounded(state.evaluations[run], [point], STEP_HISTORY),
        },
      };
    }),
  setSpectra: (step, layers, spectra) =>
    set((state) => ({
      layers,
      spectra,
      rankHistory: appendBounded(
        state.rankHistory,
        [{ step, ranks: layers.map((l) => l.rank) }],
        STEP_HISTORY,
      ),
    })),
  addPruneEvents: (step, events, size) =>
    set((state) => ({
      pruneEvents: appendBounded(
        state.pruneEvents,
        events.map((e) => ({ ...e, step })),
        STEP_HISTORY,
      ),
      size,
      compressionHistory: appendBounded(
        state.compressionHistory,
        [{ step, ...size }],
        STEP_HISTORY,
      ),
    })),
  clearMetrics: () => set(EMPTY_METRICS),
});
