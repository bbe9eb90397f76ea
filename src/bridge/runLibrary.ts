// The run library: every run kept in this browser (IndexedDB, a database of its own), its table
// row in one store and its gzip-compressed run log in another, so the table and the overlays
// read rows only. A budget the user sets holds its size: past it, the oldest unpinned runs go.
import type { RunRow } from '../runs/runColumns';
import { gunzip, gzip } from '../runs/runFile';

const DATABASE = 'lowrank-studio-runs';
const ROWS = 'rows';
const LOGS = 'logs';

export const DEFAULT_BUDGET_BYTES = 200 * 1024 * 1024;

/** A run that could not be kept, in words for the user. */
export class RunLibraryError extends Error {}

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore(ROWS, { keyPath: 'id' });
      request.result.createObjectStore(LOGS);
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () =>
      reject(
        new RunLibraryError(`the browser's storage could not be opened: ${request.error?.message}`),
      );
  });
}

/** Requests on both stores in one transaction: all land or none do. */
async function transact<T>(
  mode: IDBTransactionMode,
  action: (rows: IDBObjectStore, logs: IDBObjectStore) => T,
): Promise<T> {
  const database = await open();
  try {
    const transaction = database.transaction([ROWS, LOGS], mode);
    let result: T;
    try {
      result = action(transaction.objectStore(ROWS), transaction.objectStore(LOGS));
    } catch (error) {
      // a request refused at once (a full quota, in some browsers) writes nothing else
      transaction.abort();
      throw error;
    }
    await new Promise<void>((resolve, reject) => {
      transaction.oncomplete = () => resolve();
      transaction.onabort = transaction.onerror = () => reject(transaction.error);
    });
    return result;
  } finally {
    database.close();
  }
}

const request = <T>(made: IDBRequest<T>) =>
  new Promise<T>((resolve, reject) => {
    made.onsuccess = () => resolve(made.result);
    made.onerror = () => reject(made.error);
  });

export async function listRuns(): Promise<RunRow[]> {
  const database = await open();
  try {
    const rows = await request(
      database.transaction(ROWS, 'readonly').objectStore(ROWS).getAll() as IDBRequest<RunRow[]>,
    );
    return rows.sort((a, b) => a.savedAt - b.savedAt);
  } finally {
    database.close();
  }
}

const isQuotaError = (error: unknown) =>
  error instanceof DOMException && error.name === 'QuotaExceededError';

/** The oldest unpinned runs, oldest first, whose removal brings `rows` within `budget` bytes. */
export function runsOverBudget(rows: readonly RunRow[], budget: number): RunRow[] {
  let total = rows.reduce((sum, row) => sum + row.bytes, 0);
  const evicted: RunRow[] = [];
  for (const row of [...rows].sort((a, b) => a.savedAt - b.savedAt)) {
    if (total <= budget) break;
    if (row.pinned) continue;
    evicted.push(row);
    total -= row.bytes;
  }
  return evicted;
}

export interface Kept {
  row: RunRow;
  /** runs removed to make room (the budget, or the browser's quota) */
  evicted: RunRow[];
}

/**
 * Keeps a run: its row and its log. Past the budget, the oldest unpinned runs are removed; where
 * the browser's quota refuses the write, the same, one run at a time, and the write is tried
 * again. A run that still does not fit is not kept, and nothing else is lost.
 */
export async function keepRun(
  row: Omit<RunRow, 'bytes'>,
  logText: string,
  budget: number,
): Promise<Kept> {
  const log = await gzip(new TextEncoder().encode(logText));
  const kept: RunRow = { ...row, bytes: log.byteLength };
  if (kept.bytes > budget)
    throw new RunLibraryError(
      `${row.name} needs ${megabytes(kept.bytes)}, more than the whole budget (${megabytes(budget)}): raise the budget to keep it`,
    );
  const evicted = runsOverBudget([...(await listRuns()), kept], budget).filter(
    (r) => r.id !== kept.id,
  );
  await deleteRuns(evicted.map((r) => r.id));
  for (;;) {
    try {
      await transact('readwrite', (rows, logs) => {
        rows.put(kept);
        logs.put(log, kept.id);
      });
      return { row: kept, evicted };
    } catch (error) {
      if (!isQuotaError(error)) throw error;
      const [oldest] = runsOverBudget(await listRuns(), 0);
      if (!oldest)
        throw new RunLibraryError(
          `the browser's storage is full: ${row.name} was not kept. Delete or unpin runs, or free space for this site`,
        );
      await deleteRuns([oldest.id]);
      evicted.push(oldest);
    }
  }
}

export const megabytes = (bytes: number) =>
  bytes < 1024 * 1024 ? `${Math.ceil(bytes / 1024)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export async function updateRun(
  id: string,
  update: Partial<Pick<RunRow, 'name' | 'note' | 'pinned'>>,
) {
  await transact('readwrite', (rows) => {
    const read = rows.get(id) as IDBRequest<RunRow | undefined>;
    read.onsuccess = () => {
      if (read.result) rows.put({ ...read.result, ...update });
    };
  });
}

export async function deleteRuns(ids: readonly string[]): Promise<void> {
  if (!ids.length) return;
  await transact('readwrite', (rows, logs) => {
    for (const id of ids) {
      rows.delete(id);
      logs.delete(id);
    }
  });
}

export async function deleteAllRuns(): Promise<void> {
  await transact('readwrite', (rows, logs) => {
    rows.clear();
    logs.clear();
  });
}

/** A kept run's log, as text. */
export async function runLogText(id: string): Promise<string> {
  const database = await open();
  let bytes: Uint8Array | undefined;
  try {
    bytes = await request(
      database.transaction(LOGS, 'readonly').objectStore(LOGS).get(id) as IDBRequest<
        Uint8Array | undefined
      >,
    );
  } finally {
    database.close();
  }
  if (!bytes) throw new RunLibraryError('that run is no longer in this browser');
  return new TextDecoder().decode(await gunzip(bytes));
}
