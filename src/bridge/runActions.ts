// What the runs table does: keeps each studio run as it ends, imports run files, run logs and
// event files, renames, pins, deletes, and exports a run as a run file, CSV or TensorBoard event
// files. The library's storage is runLibrary.ts; the table draws the store's rows.
import { unzipSync, zipSync } from 'fflate';
import { DEFAULT_CONFIG, KNOBS } from '../config';
import type { RunHistory } from '../protocol';
import {
  decodeRunLog,
  encodeRunLog,
  studioRunLog,
  type RunLog,
  type RunLogHeader,
} from '../runLog';
import type { RunRow } from '../runs/runColumns';
import { runCsv } from '../runs/runCsv';
import { encodeRunFile, readRunFile, RUN_FILE_EXTENSION, type ReadRun } from '../runs/runFile';
import { summariseRun } from '../runs/runSummary';
import { eventFilesToRunLog } from '../runs/tensorboard/readRunEvents';
import { runLogToEventFiles, type EventFile } from '../runs/tensorboard/runEvents';
import { useStudio, type StudioState } from '../store/store';
import { downloadBytes } from './download';
import {
  deleteAllRuns,
  deleteRuns,
  DEFAULT_BUDGET_BYTES,
  keepRun,
  listRuns,
  megabytes,
  runLogText,
  updateRun,
} from './runLibrary';
import { runLogActions } from './runLogViewer';

const BUDGET_KEY = 'lowrank-studio-runs-budget';

/** The producer and dataset a studio run's log names (also the exported model's run log). */
export function studioAbout(
  store: Pick<StudioState, 'dataset' | 'tfVersion' | 'backend'>,
  fallbackDataset = 'unknown',
): Pick<RunLogHeader, 'producer' | 'dataset'> {
  const { dataset, tfVersion, backend } = store;
  return {
    producer: `Low-rank studio (TF.js ${tfVersion ?? '?'}, ${backend ?? '?'})`,
    dataset: dataset
      ? {
          name: dataset.name,
          trainCount: dataset.train.count,
          testCount: dataset.test.count,
          classNames: dataset.classNames,
          ...(dataset.folder ? { folder: dataset.folder } : {}),
        }
      : { name: fallbackDataset },
  };
}

const newId = () =>
  globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(36).slice(2)}`;

function rowOf(log: RunLog, name: string, origin: RunRow['origin'], savedAt = Date.now()) {
  const { summary, digest } = summariseRun(log);
  return {
    id: newId(),
    name,
    note: '',
    pinned: false,
    savedAt,
    origin,
    // a log from an older studio lacks the knobs added since: they read as their defaults
    config: { ...DEFAULT_CONFIG, ...log.header.config },
    dataset: log.header.dataset.name,
    summary,
    digest,
  };
}

function say(text: string, kind: 'info' | 'error' = 'info'): void {
  useStudio.getState().setRunsMessage({ text, kind });
}

async function refresh(): Promise<void> {
  useStudio.getState().setRuns(await listRuns());
}

async function fingerprintOf(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest).slice(0, 8), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join('');
}

/** Keeps a run's row and log, telling what the budget or quota removed to make room. */
async function keep(row: Omit<RunRow, 'bytes'>, text: string): Promise<boolean> {
  try {
    const { evicted } = await keepRun(row, text, useStudio.getState().runsBudget);
    if (evicted.length)
      say(
        `Kept ${row.name}; removed the oldest unpinned run${evicted.length > 1 ? 's' : ''} to stay within the budget: ${evicted.map((r) => r.name).join(', ')}`,
      );
    return true;
  } catch (error) {
    say((error as Error).message, 'error');
    return false;
  } finally {
    await refresh().catch(() => undefined);
  }
}

function studioRunName(log: RunLog): string {
  const c = log.header.config;
  const size =
    c.mode === 'dense' ? 'dense' : c.targetParamsKept ? `target ${c.targetParamsKept}%` : 'rule';
  const count = useStudio.getState().runs.length + 1;
  return `Run ${count}: ${KNOBS.architecture.labels?.[c.architecture] ?? c.architecture} ${size}`;
}

type Imported = ReadRun & { name: string };

/** A run read from TensorBoard event files (the run's, and its dense baseline's if there). */
function fromEventFiles(files: EventFile[], name: string): Imported {
  const log = eventFilesToRunLog(files);
  return { log, text: encodeRunLog(log.header, log.history), name };
}

/**
 * The runs in a zip: an exported model's run-log.jsonl, or the event files of a TensorBoard zip
 * the studio wrote (a folder a run, named "<run name>-<id>").
 */
function runsInZip(bytes: Uint8Array, base: string): Promise<Imported[]> | Imported[] {
  const files = unzipSync(bytes, {
    filter: (file) => file.name.endsWith('run-log.jsonl') || file.name.includes('tfevents'),
  });
  const runLog = Object.entries(files).find(([path]) => path.endsWith('run-log.jsonl'));
  if (runLog)
    return readRunFile(runLog[1]).then((read) => [{ ...read, name: read.about?.name || base }]);
  const folders = new Map<string, EventFile[]>();
  for (const [path, fileBytes] of Object.entries(files)) {
    const parts = path.split('/');
    // <run>/events…, <run>/dense-baseline/events…, or events… at the top
    const top = parts.length > 1 && parts[0] !== 'dense-baseline';
    const folder = top ? parts[0] : '';
    const relative = top ? parts.slice(1).join('/') : path;
    folders.set(folder, [...(folders.get(folder) ?? []), { path: relative, bytes: fileBytes }]);
  }
  if (folders.size === 0) throw new Error('the zip holds no run-log.jsonl and no event files');
  return [...folders].map(([folder, runFiles]) =>
    fromEventFiles(runFiles, folder.replace(/-[0-9a-f]{8}$/, '') || base),
  );
}

async function readImported(file: File): Promise<Imported[]> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const base = file.name.replace(/\.(lrrun|jsonl|gz|zip)$/g, '');
  if (file.name.includes('tfevents')) return [fromEventFiles([{ path: file.name, bytes }], base)];
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return runsInZip(bytes, base);
  const read = await readRunFile(bytes);
  return [{ ...read, name: read.about?.name || base }];
}

async function download(id: string): Promise<{ row: RunRow; text: string; log: RunLog }> {
  const row = useStudio.getState().runs.find((r) => r.id === id);
  if (!row) throw new Error('that run is no longer in the table');
  const text = await runLogText(id);
  return { row, text, log: decodeRunLog(text) };
}

const fileNameOf = (name: string) =>
  name.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'run';

async function attempt(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    say((error as Error).message, 'error');
  }
}

export const runActions = {
  /** Reads the library into the table, and the budget the user set last time. */
  async load(): Promise<void> {
    const saved = Number(globalThis.localStorage?.getItem(BUDGET_KEY));
    useStudio.getState().setRunsBudget(saved > 0 ? saved : DEFAULT_BUDGET_BYTES);
    await attempt(refresh);
  },
  /** A studio run ended: it joins the table. */
  async keepStudioRun(history: RunHistory, ended: 'finished' | 'stopped'): Promise<void> {
    await attempt(async () => {
      const text = studioRunLog(history, studioAbout(useStudio.getState()));
      if (!text) return;
      const log = decodeRunLog(text);
      const name = `${studioRunName(log)}${ended === 'stopped' ? ' (stopped)' : ''}`;
      await keep({ ...rowOf(log, name, 'studio'), fingerprint: await fingerprintOf(text) }, text);
    });
  },
  /** Run files, run logs (or a model zip holding one) and event files: each joins the table. */
  async importFiles(files: readonly File[], { quiet = false } = {}): Promise<void> {
    const refused: string[] = [];
    let kept = 0;
    for (const file of files) {
      try {
        for (const read of await readImported(file)) {
          const fingerprint = await fingerprintOf(read.text);
          const same = useStudio.getState().runs.find((run) => run.fingerprint === fingerprint);
          if (same) {
            // a log opened to look at it again is no news
            if (!quiet) refused.push(`${file.name}: already in the table as ${same.name}`);
            continue;
          }
          const row = { ...rowOf(read.log, read.name, 'file', read.about?.savedAt), fingerprint };
          if (await keep({ ...row, note: read.about?.note ?? '' }, read.text)) kept++;
        }
      } catch (error) {
        refused.push(`${file.name}: ${(error as Error).message}`);
      }
    }
    if (refused.length) say(`Not imported: ${refused.join('; ')}`, 'error');
    else if (kept) say(`Imported ${kept} run${kept > 1 ? 's' : ''}`);
  },
  async update(id: string, update: Partial<Pick<RunRow, 'name' | 'note' | 'pinned'>>) {
    await attempt(async () => {
      await updateRun(id, update);
      await refresh();
    });
  },
  async remove(ids: readonly string[]): Promise<void> {
    await attempt(async () => {
      await deleteRuns(ids);
      await refresh();
    });
  },
  async removeAll(): Promise<void> {
    await attempt(async () => {
      await deleteAllRuns();
      await refresh();
    });
  },
  setBudget(bytes: number): void {
    useStudio.getState().setRunsBudget(bytes);
    globalThis.localStorage?.setItem(BUDGET_KEY, String(bytes));
    say(`Budget ${megabytes(bytes)}: applied when the next run is kept`);
  },
  /** Shows a kept run in the studio's charts, as an opened run log. */
  async open(id: string): Promise<void> {
    await attempt(async () => {
      const { row, log } = await download(id);
      runLogActions.show(log, row.name);
    });
  },
  async exportRunFile(id: string): Promise<void> {
    await attempt(async () => {
      const { row, text } = await download(id);
      const bytes = await encodeRunFile(
        { name: row.name, note: row.note, savedAt: row.savedAt },
        text,
      );
      downloadBytes(`${fileNameOf(row.name)}${RUN_FILE_EXTENSION}`, bytes, 'application/gzip');
    });
  },
  async exportCsv(id: string): Promise<void> {
    await attempt(async () => {
      const { row, log } = await download(id);
      downloadBytes(
        `${fileNameOf(row.name)}.csv`,
        new TextEncoder().encode(runCsv(log)),
        'text/csv',
      );
    });
  },
  /** The runs' TensorBoard event files in one zip, a folder per run: `tensorboard --logdir`. */
  async exportTensorBoard(ids: readonly string[]): Promise<void> {
    await attempt(async () => {
      const files: Record<string, Uint8Array> = {};
      for (const id of ids) {
        const { row, log } = await download(id);
        const folder = `${fileNameOf(row.name)}-${id.slice(0, 8)}`;
        for (const file of runLogToEventFiles(log, {
          startWallTime: row.savedAt / 1000 - row.summary.seconds,
        }))
          files[`${folder}/${file.path}`] = file.bytes;
      }
      downloadBytes('runs-tensorboard.zip', zipSync(files), 'application/zip');
    });
  },
};
