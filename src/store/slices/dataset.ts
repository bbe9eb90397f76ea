// The loaded dataset, its loading progress, and the browser's dataset cache.
import type { CachedDataset, DatasetPhase, DatasetSummary } from '../../protocol';
import type { SliceCreator } from './types';

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

export const createDatasetSlice: SliceCreator<DatasetSlice> = (set) => ({
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
});
