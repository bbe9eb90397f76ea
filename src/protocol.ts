// The one typed contract between the page and the training worker: commands go in, events come
// out, each a discriminated union on `type` (style rule 3).

export const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface SkippedBackend {
  backend: BackendName;
  reason: string;
}

export type Cifar100Labels = 'fine' | 'coarse';

export type DatasetSource =
  | { kind: 'builtin'; seed: number; size: number; trainCount: number; testCount: number }
  /** Files picked or dropped by the user: an archive, or loose .bin files. */
  | { kind: 'files'; files: File[]; cifar100Labels: Cifar100Labels }
  /** An archive at a URL (a mirror, or public/data/ next to the app). */
  | { kind: 'url'; url: string; cifar100Labels: Cifar100Labels };

export interface DatasetSummary {
  kind: 'cifar10' | 'cifar100' | 'builtin';
  name: string;
  classNames: string[];
  imageSize: number[];
  train: { count: number; histogram: number[] };
  test: { count: number; histogram: number[] };
  fromCache: boolean;
}

export interface CachedDataset {
  key: string;
  name: string;
  bytes: number;
  savedAt: string;
}

export type DatasetPhase = 'download' | 'read' | 'generate' | 'cache';

export type Command =
  /** Pick a backend (the first that works, from `preferred` or the default order) and report it. */
  | { type: 'init'; preferred?: BackendName }
  | { type: 'loadDataset'; source: DatasetSource }
  | { type: 'listDatasetCache' }
  | { type: 'clearDatasetCache' };

export type WorkerEvent =
  | {
      type: 'ready';
      backend: BackendName;
      skipped: SkippedBackend[];
      tfVersion: string;
      /** result of a tiny conv-gradient check on the chosen backend, proving it can train */
      gradientCheck: number;
    }
  | {
      type: 'datasetProgress';
      phase: DatasetPhase;
      loadedBytes: number;
      /** null where the size is not known up front */
      totalBytes: number | null;
    }
  | { type: 'datasetLoaded'; summary: DatasetSummary }
  | { type: 'datasetCache'; entries: CachedDataset[] }
  | { type: 'error'; message: string; command?: Command['type'] };
