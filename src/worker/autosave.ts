// The autosaved run: everything a reload, a crash or a closed tab needs to continue exactly: the
// training state (checkpoint files), the charts so far, the dataset (by its cache key) and the
// job's limits. In IndexedDB it is several records, written in one transaction: the summary
// alone (read at every start), the job, and the step history in chunks that are written once.
import type { RunName, SavedRunSummary, StepSeries } from '../protocol';
import type { DatasetSource, JobLimits, RunHistory } from '../protocol';
import { concatSeries } from '../train/stepSeries';
import { inStore, inTransaction, STORES } from './database';
import type { ChunkedHistory } from './runJournal';

interface SavedJob {
  /** builtin, or the cached dataset by key */
  dataset: DatasetSource;
  limits: JobLimits;
  /** encoded checkpoint files of the job and of its dense baseline, if one trains beside it */
  checkpoint: Uint8Array;
  baselineCheckpoint: Uint8Array | null;
}

export interface SavedRun extends SavedJob {
  summary: SavedRunSummary;
  history: RunHistory;
}

/** A run as the session hands it to be saved: its history as the journal keeps it. */
export interface RunToSave extends SavedJob, ChunkedHistory {
  summary: SavedRunSummary;
}

/** Where autosaves live: IndexedDB in the browser, memory in tests. */
export interface AutosaveStore {
  save(run: RunToSave): Promise<void>;
  load(): Promise<SavedRun | null>;
  /** the saved run's summary, without reading the run */
  summary(): Promise<SavedRunSummary | null>;
  discard(): Promise<void>;
}

const SUMMARY = 'latest';
const JOB = 'latest:job';
const STEPS = 'latest:steps:';
const chunkKey = (run: RunName, index: number) =>
  `${STEPS}${run}:${String(index).padStart(8, '0')}`;
/** every chunk key of `run` from `index` on */
const chunksFrom = (run: RunName, index: number) =>
  IDBKeyRange.bound(chunkKey(run, index), `${STEPS}${run}:~`);

/** The autosave in IndexedDB. Each store remembers which sealed chunks it has written. */
export function browserAutosave(): AutosaveStore {
  // another tab may have saved over this one's chunks: its writer id in the job record says so
  const writer = crypto.randomUUID();
  let written = new WeakSet<StepSeries>();
  return {
    async save(run) {
      const { summary, history, stepChunks, ...job } = run;
      const fresh: StepSeries[] = [];
      await inTransaction(STORES.runs, 'readwrite', (store) => {
        const previous = store.get(JOB);
        previous.onsuccess = () => {
          if ((previous.result as { writer?: string } | undefined)?.writer !== writer)
            written = new WeakSet();
          store.put({ key: SUMMARY, summary });
          store.put({ key: JOB, writer, ...job, history });
          for (const name of ['main', 'baseline'] as const) {
            const chunks = stepChunks[name] ?? [];
            chunks.forEach((series, index) => {
              if (written.has(series)) return;
              store.put({ key: chunkKey(name, index), series });
              fresh.push(series);
            });
            store.delete(chunksFrom(name, chunks.length));
          }
        };
      });
      for (const series of fresh) written.add(series);
    },
    async load() {
      const [summary, job, chunks] = await inTransaction(STORES.runs, 'readonly', (store) => [
        store.get(SUMMARY),
        store.get(JOB),
        store.getAll(IDBKeyRange.bound(STEPS, `${STEPS}~`)),
      ]);
      const record = summary.result as { summary: SavedRunSummary } | undefined;
      if (!record) return null;
      // a save from before the chunks: one record with everything
      if ('checkpoint' in record) return record as unknown as SavedRun;
      const saved = job.result as (SavedJob & { history: RunHistory }) | undefined;
      if (!saved) return null;
      const steps: RunHistory['steps'] = {};
      for (const name of ['main', 'baseline'] as const) {
        const series = (chunks.result as { key: string; series: StepSeries }[])
          .filter((c) => c.key.startsWith(`${STEPS}${name}:`))
          .sort((a, b) => (a.key < b.key ? -1 : 1))
          .map((c) => c.series);
        if (series.length) steps[name] = concatSeries(series);
      }
      const { dataset, limits, checkpoint, baselineCheckpoint, history } = saved;
      return {
        summary: record.summary,
        dataset,
        limits,
        checkpoint,
        baselineCheckpoint,
        history: { ...history, steps },
      };
    },
    async summary() {
      const record = await inStore<{ summary: SavedRunSummary } | undefined>(
        STORES.runs,
        'readonly',
        (store) => store.get(SUMMARY),
      );
      return record?.summary ?? null;
    },
    async discard() {
      await inTransaction(STORES.runs, 'readwrite', (store) => {
        store.delete(SUMMARY);
        store.delete(JOB);
        store.delete(IDBKeyRange.bound(STEPS, `${STEPS}~`));
      });
      written = new WeakSet();
    },
  };
}

/** An autosave store in memory, for tests and browsers without IndexedDB. */
export function memoryAutosave(): AutosaveStore {
  let saved: SavedRun | null = null;
  return {
    save: async ({ stepChunks, history, ...run }) => {
      const steps: RunHistory['steps'] = {};
      for (const [name, chunks] of Object.entries(stepChunks))
        steps[name as RunName] = concatSeries(chunks);
      saved = structuredClone({ ...run, history: { ...history, steps } });
    },
    load: async () => (saved ? structuredClone(saved) : null),
    summary: async () => saved?.summary ?? null,
    discard: async () => {
      saved = null;
    },
  };
}
