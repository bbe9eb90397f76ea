// The studio's one zustand store, built from slices (style rule 4). Only the bridge writes
// worker facts into it; components select the fields they draw.
import { create } from 'zustand';
import type {
  BackendName,
  CachedDataset,
  Command,
  DatasetPhase,
  DatasetSummary,
  SkippedBackend,
} from '../protocol';

export interface RuntimeSlice {
  backend: BackendName | null;
  skippedBackends: SkippedBackend[];
  tfVersion: string | null;
  setReady: (ready: { backend: BackendName; skipped: SkippedBackend[]; tfVersion: string }) => void;
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

export interface UiSlice {
  /** the last error, with the command that caused it */
  error: { message: string; command?: Command['type'] } | null;
  setError: (error: UiSlice['error']) => void;
}

export type StudioState = RuntimeSlice & DatasetSlice & UiSlice;

export const useStudio = create<StudioState>()((set) => ({
  backend: null,
  skippedBackends: [],
  tfVersion: null,
  setReady: ({ backend, skipped, tfVersion }) =>
    set({ backend, skippedBackends: skipped, tfVersion }),

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

  error: null,
  setError: (error) =>
    set((state) => ({ error, datasetLoading: error ? null : state.datasetLoading })),
}));
