// The studio's one zustand store, built from slices (CONTRIBUTING.md). Only the bridge writes
// worker facts into it; components select the fields they draw.
import { create } from 'zustand';
import { DEFAULT_CONFIG, type TrainConfig } from '../config';
import type { PresetName } from '../presets';
import type { SizeKept } from '../lowrank/accounting';
import type { PruneEvent } from '../lowrank/pruning';
import type {
  BackendName,
  CachedDataset,
  CommandType,
  DatasetPhase,
  DatasetSummary,
  EpochSummary,
  ExportReport,
  InferenceTiming,
  JobLimits,
  LayerRank,
  RunName,
  RunState,
  SavedRunSummary,
  SkippedBackend,
  StepSeries,
} from '../protocol';
import type { StepMetrics } from '../train/trainer';
import { appendBounded } from './ringBuffer';

/** Points of each series (steps, epochs, evaluations, sizes) kept for the charts. */
export const STEP_HISTORY = 2000;

/** One training step's metrics, as the charts keep them. */
export type StepPoint = Omit<StepMetrics, 'batchSize'>;

/** A test accuracy (0-1) at a step. */
export interface TestPoint {
  step: number;
  accuracy: number;
}

export interface RuntimeSlice {
  backend: BackendName | null;
  skippedBackends: SkippedBackend[];
  backendDetail: string | null;
  tfVersion: string | null;
  /** the choice came from an earlier visit (no race this time) */
  backendFromMemory: boolean;
  /** what backend selection is doing, while it runs */
  backendProgress: string | null;
  setReady: (ready: {
    backend: BackendName;
    skipped: SkippedBackend[];
    detail?: string;
    tfVersion: string;
    fromMemory: boolean;
  }) => void;
  setBackendProgress: (message: string) => void;
  /** forget the backend, while a new selection runs */
  clearBackend: () => void;
}

export interface DatasetProgress {
  phase: DatasetPhase;
  loadedBytes: number;
  totalBytes: number | null;
  startedAt: number;
  /** estimated from the rate so far; null until there is a rate to go by */
  secondsLeft: number | null;
}

export interface DatasetSlice {
  dataset: DatasetSummary | null;
  datasetLoading: DatasetProgress | null;
  datasetCache: CachedDataset[];
  setDatasetLoading: (progress: Omit<DatasetProgress, 'startedAt' | 'secondsLeft'> | null) => void;
  setDataset: (summary: DatasetSummary) => void;
  setDatasetCache: (entries: CachedDataset[]) => void;
}

export interface ConfigSlice {
  /** the preset the settings started from, if any */
  preset: PresetName | null;
  /** the configuration the next job will use (and the running job's live knobs) */
  config: TrainConfig;
  limits: JobLimits;
  /** train a dense baseline beside the next low-rank job */
  compareWithDense: boolean;
  setCompareWithDense: (on: boolean) => void;
  setConfig: (config: Partial<TrainConfig>) => void;
  setPreset: (preset: PresetName | null, config: TrainConfig) => void;
  setLimits: (limits: JobLimits) => void;
}

export interface RunSlice {
  runState: RunState;
  step: number;
  epoch: number;
  stepsPerEpoch: number;
  /** the config the worker acknowledged for the current job */
  jobConfig: TrainConfig | null;
  setRunState: (state: { state: RunState; step: number; epoch: number }) => void;
  setJob: (job: { config: TrainConfig; stepsPerEpoch: number }) => void;
  setJobConfig: (config: TrainConfig) => void;
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
  /** test accuracy on the fixed test slice, every few seconds while a job runs */
  sliceEvaluations: TestPoint[];
  baselineSliceEvaluations: TestPoint[];
  /** the latest test accuracy of the job, from a slice or the whole test set */
  latestTest: (TestPoint & { scope: 'slice' | 'full'; count: number }) | null;
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

export interface ExportSlice {
  exportReport: ExportReport | null;
  inferenceTiming: InferenceTiming | null;
  /** an export or checkpoint is being prepared in the worker */
  exporting: 'model' | 'checkpoint' | null;
  setExporting: (what: ExportSlice['exporting']) => void;
  setExportReport: (report: ExportReport) => void;
  setInferenceTiming: (timing: InferenceTiming) => void;
}

/** What the page says about the site itself: offline copy, a new version. */
export type SiteNotice =
  | { kind: 'offline-ready' }
  | { kind: 'update-ready' }
  | { kind: 'isolation-ready' }
  | { kind: 'updated'; builtAt: string };

export interface SiteSlice {
  siteNotice: SiteNotice | null;
  setSiteNotice: (notice: SiteNotice | null) => void;
}

export interface UiSlice {
  /** layer shown in the spectrum chart (index into layers) */
  selectedLayer: number;
  spectrumView: 'one' | 'all';
  /** large type for projectors */
  presentation: boolean;
  /** the job's network being built: how far */
  building: { done: number; total: number; name: string } | null;
  setBuilding: (building: UiSlice['building']) => void;
  /** the autosaved run this browser can resume */
  savedRun: SavedRunSummary | null;
  setSavedRun: (run: SavedRunSummary | null) => void;
  /** the job's loss became non-finite: where, and the autosave it can go back to */
  divergence: { run: RunName; step: number; autosaveStep: number | null } | null;
  setDivergence: (divergence: UiSlice['divergence']) => void;
  /** the guided tour's current step, or null when it is closed */
  tourStep: number | null;
  setTourStep: (step: number | null) => void;
  selectLayer: (index: number) => void;
  setSpectrumView: (view: 'one' | 'all') => void;
  setPresentation: (on: boolean) => void;
  /** the last error, with the command that caused it */
  error: { message: string; command?: CommandType } | null;
  warning: string | null;
  setError: (error: UiSlice['error']) => void;
  setWarning: (message: string | null) => void;
}

/** A run log opened in the studio: its charts replace the live ones until it is closed. */
export interface RunLogView {
  fileName: string;
  /** e.g. "lowrank_studio 0.1 (PyTorch 1.13.1), 2 processes on cuda" */
  source: string;
  /** the device it trained on, for the speed readout */
  device: string;
  /** network, length and size target in a line */
  recipe: string;
  lastStep: number;
  /** the charts show the run up to this step */
  shownStep: number;
  replaying: boolean;
}

export interface RunLogSlice {
  runLogView: RunLogView | null;
  /** opens a log's view: its settings become the job's, the charts empty */
  openRunLogView: (view: RunLogView, config: TrainConfig, stepsPerEpoch: number) => void;
  updateRunLogView: (update: Partial<RunLogView>) => void;
  closeRunLogView: () => void;
}

export type StudioState = ExportSlice &
  RunLogSlice &
  RuntimeSlice &
  DatasetSlice &
  ConfigSlice &
  RunSlice &
  MetricsSlice &
  SiteSlice &
  UiSlice;

const emptyMetrics = {
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
  sliceEvaluations: [],
  baselineSliceEvaluations: [],
  latestTest: null,
};

export const useStudio = create<StudioState>()((set) => ({
  backend: null,
  skippedBackends: [],
  backendDetail: null,
  tfVersion: null,
  backendFromMemory: false,
  backendProgress: null,
  setReady: ({ backend, skipped, detail, tfVersion, fromMemory }) =>
    set({
      backend,
      skippedBackends: skipped,
      backendDetail: detail ?? null,
      tfVersion,
      backendFromMemory: fromMemory,
      backendProgress: null,
    }),
  setBackendProgress: (backendProgress) => set({ backendProgress }),
  clearBackend: () =>
    set({ backend: null, skippedBackends: [], backendDetail: null, backendProgress: null }),

  dataset: null,
  datasetLoading: null,
  datasetCache: [],
  setDatasetLoading: (progress) =>
    set((state) => {
      if (!progress) return { datasetLoading: null };
      const now = Date.now();
      const samePhase = state.datasetLoading?.phase === progress.phase;
      const startedAt = samePhase ? state.datasetLoading!.startedAt : now;
      const fraction = progress.totalBytes ? progress.loadedBytes / progress.totalBytes : 0;
      const secondsLeft =
        fraction > 0.02
          ? Math.round((((now - startedAt) / 1000) * (1 - fraction)) / fraction)
          : null;
      return { datasetLoading: { ...progress, startedAt, secondsLeft } };
    }),
  setDataset: (dataset) => set({ dataset, datasetLoading: null }),
  setDatasetCache: (datasetCache) => set({ datasetCache }),

  preset: null,
  config: DEFAULT_CONFIG,
  limits: {},
  compareWithDense: false,
  setCompareWithDense: (compareWithDense) => set({ compareWithDense }),
  setPreset: (preset, config) => set({ preset, config }),
  setConfig: (config) => set((state) => ({ config: { ...state.config, ...config } })),
  setLimits: (limits) => set({ limits }),

  runState: 'idle',
  step: 0,
  epoch: 0,
  stepsPerEpoch: 0,
  jobConfig: null,
  setRunState: ({ state, step, epoch }) => set({ runState: state, step, epoch }),
  setJob: ({ config, stepsPerEpoch }) =>
    set({ jobConfig: config, stepsPerEpoch, divergence: null, ...emptyMetrics }),
  setJobConfig: (jobConfig) => set({ jobConfig }),

  ...emptyMetrics,
  addSteps: (run, series) =>
    set((state) => {
      const points: StepPoint[] = Array.from(series.step, (step, i) => ({
        step,
        epoch: series.epoch[i],
        crossEntropy: series.crossEntropy[i],
        orth: series.orth[i],
        rank: series.rank[i],
        total: series.total[i],
        trainAccuracy: series.trainAccuracy[i],
        learningRate: series.learningRate[i],
        lambdaRank: series.lambdaRank[i],
        stepMs: series.stepMs[i],
      }));
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
            latestTest: {
              step: summary.step,
              accuracy: summary.testAccuracy,
              scope: 'full',
              count: summary.testCount,
            },
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
      const point = { step, accuracy: testAccuracy };
      if (run === 'baseline')
        return scope === 'slice'
          ? {
              baselineSliceEvaluations: appendBounded(
                state.baselineSliceEvaluations,
                [point],
                STEP_HISTORY,
              ),
            }
          : {};
      return {
        latestTest: { ...point, scope, count },
        ...(scope === 'slice'
          ? { sliceEvaluations: appendBounded(state.sliceEvaluations, [point], STEP_HISTORY) }
          : {}),
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
  clearMetrics: () => set(emptyMetrics),

  exportReport: null,
  inferenceTiming: null,
  exporting: null,
  setExporting: (exporting) => set({ exporting }),
  setExportReport: (exportReport) => set({ exportReport, inferenceTiming: null }),
  setInferenceTiming: (inferenceTiming) => set({ inferenceTiming, exporting: null }),
  tourStep: null,
  setTourStep: (tourStep) => set({ tourStep }),
  savedRun: null,
  setSavedRun: (savedRun) => set({ savedRun }),
  building: null,
  setBuilding: (building) =>
    set({
      building: building && { done: building.done, total: building.total, name: building.name },
    }),
  divergence: null,
  setDivergence: (divergence) => set({ divergence }),
  selectedLayer: 0,
  spectrumView: 'one',
  presentation: false,
  selectLayer: (selectedLayer) => set({ selectedLayer }),
  setSpectrumView: (spectrumView) => set({ spectrumView }),
  setPresentation: (presentation) => set({ presentation }),
  siteNotice: null,
  setSiteNotice: (siteNotice) => set({ siteNotice }),
  runLogView: null,
  openRunLogView: (runLogView, jobConfig, stepsPerEpoch) =>
    set({ runLogView, jobConfig, stepsPerEpoch, step: 0, epoch: 0, ...emptyMetrics }),
  updateRunLogView: (update) =>
    set((state) => ({ runLogView: state.runLogView && { ...state.runLogView, ...update } })),
  closeRunLogView: () =>
    set((state) =>
      state.runLogView
        ? {
            runLogView: null,
            jobConfig: null,
            stepsPerEpoch: 0,
            step: 0,
            epoch: 0,
            ...emptyMetrics,
          }
        : {},
    ),

  error: null,
  warning: null,
  setError: (error) =>
    set((state) => ({
      error,
      datasetLoading: error ? null : state.datasetLoading,
      exporting: error ? null : state.exporting,
    })),
  setWarning: (warning) => set({ warning }),
}));
