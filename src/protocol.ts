// The one typed contract between the page and the training worker: commands go in, events come
// out, each a discriminated union on `type` (CONTRIBUTING.md). Only plain data and typed arrays.
import type { TrainConfig } from './config';
import type { DatasetKind, ImageDataset } from './data/dataset';
import type { FolderInfo } from './data/folderInfo';
import type { SizeKept } from './lowrank/accounting';
import type { PruneEvent } from './lowrank/pruning';
import type { ModelLabels } from './train/modelLabels';
import type { Checkpoint } from './train/trainerState';

export const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface SkippedBackend {
  backend: BackendName;
  reason: string;
}

/**
 * A backend chosen on an earlier visit, with the fingerprint of what it was chosen on (TF.js
 * version, WebGPU adapter, WebGL renderer): while the fingerprint matches, the choice stands.
 */
export interface RememberedBackend {
  backend: BackendName;
  fingerprint: string;
}

export type Cifar100Labels = 'fine' | 'coarse';

export type DatasetSource =
  | { kind: 'builtin'; seed: number; size: number; trainCount: number; testCount: number }
  /** Files picked or dropped by the user: an archive, or loose .bin files. */
  | { kind: 'files'; files: File[]; cifar100Labels: Cifar100Labels }
  /** An archive at a URL (a mirror, or public/data/ next to the app). */
  | { kind: 'url'; url: string; cifar100Labels: Cifar100Labels }
  /** The Hugging Face parquet files (or a mirror of them): images as PNG bytes. */
  | {
      kind: 'huggingface';
      dataset: 'cifar10' | 'cifar100';
      trainUrl: string;
      testUrl: string;
      cifar100Labels: Cifar100Labels;
    }
  /**
   * The user's own images, one folder per class: an archive (.zip, .tar, .tar.gz) or a picked
   * or dropped folder's files with their paths. `testFraction`: each class's share tested on
   * where there is no test folder; `side`: the square the images are stored at.
   */
  | {
      kind: 'imageFolder';
      name: string;
      archive?: File;
      files?: { path: string; file: File }[];
      testFraction: number;
      side: number;
    }
  /** A dataset already in this browser's cache, by its cache key. */
  | { kind: 'cached'; key: string; name: string };

export interface DatasetSummary {
  kind: DatasetKind;
  name: string;
  classNames: string[];
  imageSize: number[];
  train: { count: number; histogram: number[] };
  test: { count: number; histogram: number[] };
  /** FNV-1a of pixels and labels, per split */
  fingerprint: { train: string; test: string };
  /** an image-folder set: how it was split, what was skipped */
  folder?: FolderInfo;
  fromCache: boolean;
}

export interface CachedDataset {
  /** the source: URL(s), or file name + size + date */
  key: string;
  name: string;
  bytes: number;
  savedAt: string;
  /** SHA-256 of the downloaded files, where the source was a download */
  checksum?: string;
}

export type DatasetPhase = 'download' | 'read' | 'decode' | 'generate' | 'cache';

/** idle: no job; ready: built, not started; finished: all epochs done (or stopped). */
export type RunState = 'idle' | 'ready' | 'running' | 'paused' | 'finished';

/** The job itself, or the dense baseline trained beside it for comparison. */
export type RunName = 'main' | 'baseline';

/** Try it's image as the datasets store one: its centre square at side x side, as RGB bytes. */
export type SquareImage = { pixels: Uint8Array; side: number };

/** Which model Try it asks: the job's network (with its dense baseline), or an exported one. */
export type PredictTarget = 'job' | 'loaded';

/** One class of a prediction: its index, its name, its softmax probability (0-1). */
export type ClassGuess = { label: number; name: string; probability: number };

export interface JobLimits {
  /** use only the first K training / test images */
  trainLimit?: number;
  testLimit?: number;
}

export type Command =
  /**
   * Pick a backend and report it: `preferred` if given (a forced choice), else `remembered` if
   * this browser still matches its fingerprint, else the first that trains in the default order
   * (racing software GPU adapters against wasm).
   */
  | { type: 'init'; preferred?: BackendName; remembered?: RememberedBackend }
  /**
   * `loadId` tags every event of this load, so the page can ignore those of an abandoned one.
   * `prepared`: the built-in set, already generated from `source` beside the worker's start-up.
   */
  | { type: 'loadDataset'; source: DatasetSource; loadId: number; prepared?: ImageDataset }
  /** Stops the dataset load `loadId` (the dataset loaded before it stays). */
  | { type: 'cancelDatasetLoad'; loadId: number }
  | { type: 'listDatasetCache' }
  | { type: 'clearDatasetCache' }
  /**
   * Build a new job on the loaded dataset (replaces any current job). With `compareWithDense`, a
   * dense baseline with the same recipe and seed trains in lockstep beside a low-rank job.
   */
  | {
      type: 'configure';
      config: Partial<TrainConfig>;
      limits?: JobLimits;
      compareWithDense?: boolean;
      /** start training as soon as the job is built */
      start?: boolean;
    }
  | { type: 'start' }
  | { type: 'pause' }
  | { type: 'resume' }
  /** One training step while ready or paused. */
  | { type: 'step' }
  /** End the run early; the model stays for evaluation, checkpoints and export. */
  | { type: 'stop' }
  /** Drop the job. */
  | { type: 'reset' }
  /** Live knobs only (config.ts), applied at the next step. */
  | { type: 'setHyperparameters'; values: Partial<TrainConfig> }
  | { type: 'pruneNow' }
  | { type: 'evaluate' }
  | { type: 'checkpoint' }
  | { type: 'restore'; checkpoint: Checkpoint }
  | { type: 'export' }
  /**
   * Try it: the top classes of one image, from the job's network and its dense baseline (between
   * steps, as 'evaluate' runs) or from the loaded exported model. `requestId` comes back with
   * the answer.
   */
  | { type: 'predict'; requestId: number; target: PredictTarget; image: SquareImage }
  /** Loads an exported model's zip (model.json, model.weights.bin, labels.json) for Try it. */
  | { type: 'loadModel'; name: string; zip: Uint8Array }
  /**
   * Continue the autosaved run: its dataset, settings, charts and training state, optionally at
   * half the learning rate (after a divergence). Loads the dataset as load `loadId`.
   */
  | { type: 'resumeSaved'; loadId: number; lowerLearningRate: boolean }
  | { type: 'discardSaved' }
  /** Tensor count and memory of the worker's TF.js engine (for soak tests and diagnostics). */
  | { type: 'memoryReport' };

export type CommandType = Command['type'];

/** The autosaved run, as the page offers it. */
export interface SavedRunSummary {
  savedAt: string;
  step: number;
  epoch: number;
  epochs: number;
  /** e.g. "ResNet-8 low-rank on Built-in shapes 32x32" */
  description: string;
}

/** A chart event kept in a run's history (spectra without their values but the last). */
export type HistoryEvent = Extract<
  WorkerEvent,
  { type: 'epoch' } | { type: 'pruned' } | { type: 'evaluation' } | { type: 'spectra' }
>;

/**
 * Everything the charts showed of a run, at full resolution: every step's metrics per run, the
 * other chart events in order, and the last singular values. Saved with autosaves, replayed on
 * resume, and written as run-log.jsonl beside an exported model.
 */
export interface RunHistory {
  steps: Partial<Record<RunName, StepSeries>>;
  events: HistoryEvent[];
  spectra: Extract<WorkerEvent, { type: 'spectra' }> | null;
  /** the job as it was configured (layers at full rank, sizes), for a run log's header */
  job?: Extract<WorkerEvent, { type: 'configured' }>;
}

/** Test images in the slice evaluated every few seconds while a job runs: the first ones. */
export const TEST_SLICE_IMAGES = 256;

/**
 * What every training step reports besides its step number: the one list the trainer's metrics,
 * the series below, run logs and the charts' points are made from. `stepMs` is the wall time per
 * step, averaged over the steps since the previous report (the sync included).
 */
export const STEP_METRIC_FIELDS = [
  'epoch',
  'crossEntropy',
  'orth',
  'rank',
  'total',
  'trainAccuracy',
  'learningRate',
  'lambdaRank',
  'stepMs',
] as const;
export type StepMetricField = (typeof STEP_METRIC_FIELDS)[number];

/** One step's metrics. */
export type StepRecord = { step: number } & Record<StepMetricField, number>;

/** Step metrics of several steps, one typed array per field (transferred, not copied). */
export type StepSeries = { step: Float64Array } & Record<StepMetricField, Float32Array>;

export interface CostSummary {
  dense: number;
  factorised: number;
  deployable: number;
}

/**
 * Where a low-rank run stands with its pruning window: 'waiting' for its start or the loss gate,
 * 'open', 'closed' after its last event, 'missed' when it ended without the gate ever opening
 * (the network stays at full size: pruning a net that has not learned would only break it), or
 * 'off' (dense, or pruning off).
 */
export type PruningWindow = 'off' | 'waiting' | 'open' | 'closed' | 'missed';

export interface EpochSummary {
  epoch: number;
  step: number;
  /** absent in run logs from before it was reported */
  pruningWindow?: PruningWindow;
  testAccuracy: number;
  testLoss: number;
  /** test images the accuracy was measured on */
  testCount: number;
  size: SizeKept;
  params: CostSummary;
  macs: CostSummary;
}

export interface LayerRank {
  name: string;
  rank: number;
  fullRank: number;
  breakEvenRank: number;
  /** directions fading towards the next prune event's cut (target size, fade before cut) */
  fading: number;
}

/** report.json of an exported model (also shown in the studio). */
export interface ExportReport {
  dataset: string;
  model: string;
  mode: 'lowrank' | 'dense';
  step: number;
  epoch: number;
  /** 0-1, on the test split, at export time */
  testAccuracy: number;
  params: { dense: number; factorised: number; deployable: number; exported: number };
  macs: { dense: number; exported: number };
  /** exported params as % of dense */
  paramsKeptPercent: number;
  /** every factorised layer as U, s, V, as % of dense */
  factorisedParamsKeptPercent: number;
  /** sum of ranks / sum of full ranks, % */
  rankKeptPercent: number;
  macsKeptPercent: number;
  layers: (Omit<LayerRank, 'fading'> & {
    form: 'lowrank' | 'composed' | 'dense';
    params: { dense: number; factorised: number; deployable: number };
  })[];
  config: TrainConfig;
  exportedAt: string;
}

/** Inference time of the exported model against its dense equivalent, same backend and batch. */
export interface InferenceTiming {
  backend: string;
  batchSize: number;
  exportedMs: number;
  denseMs: number;
  speedup: number;
  /** dense MACs / exported MACs */
  macsRatio: number;
}

export type WorkerEvent =
  | {
      type: 'ready';
      backend: BackendName;
      skipped: SkippedBackend[];
      /** how the backend runs, e.g. "2 threads" for wasm or the software renderer of a GPU one */
      detail?: string;
      tfVersion: string;
      /** result of a tiny conv-gradient check on the chosen backend, proving it can train */
      gradientCheck: number;
      /** what the choice was made on, for remembering it */
      fingerprint: string;
      /** taken from an earlier visit's choice, without a race */
      fromMemory: boolean;
    }
  /** Backend selection under way (a first visit times the candidates): what it is doing now. */
  | { type: 'backendProgress'; message: string }
  | {
      type: 'datasetProgress';
      loadId: number;
      phase: DatasetPhase;
      loadedBytes: number;
      /** null where the size is not known up front */
      totalBytes: number | null;
    }
  /** `source`: how to load this dataset again (builtin, or from the cache by key) */
  | { type: 'datasetLoaded'; loadId: number; summary: DatasetSummary; source: DatasetSource }
  | { type: 'datasetCache'; entries: CachedDataset[] }
  | {
      type: 'configured';
      config: TrainConfig;
      stepsPerEpoch: number;
      layers: LayerRank[];
      params: CostSummary;
      macs: CostSummary;
    }
  | { type: 'state'; state: RunState; step: number; epoch: number }
  | { type: 'steps'; run: RunName; series: StepSeries }
  | { type: 'epoch'; run: RunName; summary: EpochSummary }
  /** |s| of every factorised layer, sorted descending: one Float32Array per layer */
  | { type: 'spectra'; step: number; layers: LayerRank[]; values: Float32Array[] }
  | { type: 'pruned'; step: number; events: PruneEvent[]; size: SizeKept }
  | { type: 'hyperparameters'; config: TrainConfig }
  /**
   * Test accuracy: on the whole test split (an epoch's end, or asked for), or on its first
   * `count` images, a fixed slice evaluated every few seconds while a job runs.
   */
  | {
      type: 'evaluation';
      run: RunName;
      scope: 'slice' | 'full';
      step: number;
      count: number;
      testAccuracy: number;
      testLoss: number;
    }
  | { type: 'checkpoint'; checkpoint: Checkpoint }
  /** model.json + model.weights.bin (transferred) + the report */
  | {
      type: 'export';
      report: ExportReport;
      modelJson: string;
      weights: ArrayBuffer;
      /** the run's full-resolution history, for run-log.jsonl (src/runLog.ts) */
      history: RunHistory;
      /** labels.json: class names, input size and normalisation */
      labels: ModelLabels;
    }
  /** Try it's answer: `answeredBy` names the model (and its step); best class first. */
  | {
      type: 'prediction';
      requestId: number;
      target: PredictTarget;
      answeredBy: string;
      runs: { main: ClassGuess[]; baseline?: ClassGuess[] };
    }
  /** An exported model loaded for Try it: its file name, labels and a description. */
  | { type: 'modelLoaded'; name: string; labels: ModelLabels; description: string }
  | {
      type: 'memory';
      tensors: number;
      bytes: number;
      /** the wasm backend's heap, where it runs */
      heapBytes: number | null;
    }
  /** A job's network is being built, block by block (Reset cancels it). */
  | { type: 'building'; done: number; total: number; name: string }
  /** The autosaved run this browser can resume, or null when there is none. */
  | { type: 'savedRun'; run: SavedRunSummary | null }
  /** A resumed run's charts so far: the page replays them. */
  | { type: 'history'; history: RunHistory }
  /** A run ended (its last epoch, Stop, or Reset or a new job before that): for the run library. */
  | { type: 'runEnded'; history: RunHistory; ended: 'finished' | 'stopped' }
  /** The loss became NaN or infinite: the run is paused, and can go back to its last autosave. */
  | { type: 'diverged'; run: RunName; step: number; autosaveStep: number | null }
  | { type: 'inferenceTiming'; timing: InferenceTiming }
  | { type: 'warning'; message: string }
  /** `loadId`: the dataset load that failed, when a load failed */
  | { type: 'error'; message: string; command?: CommandType; loadId?: number };
