// The autosaved run: one record in the browser's IndexedDB with everything a reload, a crash or a
// closed tab needs to continue exactly: the training state (checkpoint files), the charts so far,
// the dataset (by its cache key) and the job's limits.
import type { DatasetSource, JobLimits, RunHistory, SavedRunSummary } from '../protocol';
import { inStore, STORES } from './database';

export interface SavedRun {
  summary: SavedRunSummary;
  /** builtin, or the cached dataset by key */
  dataset: DatasetSource;
  limits: JobLimits;
  /** encoded checkpoint files of the job and of its dense baseline, if one trains beside it */
  checkpoint: Uint8Array;
  baselineCheckpoint: Uint8Array | null;
  history: RunHistory;
}

/** Where autosaves live: IndexedDB in the browser, memory in tests. */
export interface AutosaveStore {
  save(run: SavedRun): Promise<void>;
  load(): Promise<SavedRun | null>;
  discard(): Promise<void>;
}

const KEY = 'latest';

export const browserAutosave: AutosaveStore = {
  async save(run) {
    await inStore(STORES.runs, 'readwrite', (store) => store.put({ key: KEY, ...run }));
  },
  async load() {
    const record = await inStore<(SavedRun & { key: string }) | undefined>(
      STORES.runs,
      'readonly',
      (store) => store.get(KEY),
    );
    return record ?? null;
  },
  async discard() {
    await inStore(STORES.runs, 'readwrite', (store) => store.delete(KEY));
  },
};

/** An autosave store in memory, for tests and browsers without IndexedDB. */
export function memoryAutosave(): AutosaveStore {
  let saved: SavedRun | null = null;
  return {
    save: async (run) => {
      saved = structuredClone(run);
    },
    load: async () => (saved ? structuredClone(saved) : null),
    discard: async () => {
      saved = null;
    },
  };
}
