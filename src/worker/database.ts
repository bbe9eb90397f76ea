// The studio's IndexedDB database, shared by the dataset cache and the autosaved run.
export const DATABASE = 'lowrank-studio';
export const STORES = {
  datasets: 'datasets',
  /** a cached dataset's pixels, in pieces: Chromium refuses a value over about 127 MB */
  datasetChunks: 'datasetChunks',
  runs: 'runs',
} as const;
const VERSION = 3;

export function openDatabase(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, VERSION);
    request.onupgradeneeded = () => {
      for (const name of Object.values(STORES))
        if (!request.result.objectStoreNames.contains(name))
          request.result.createObjectStore(name, { keyPath: 'key' });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () =>
      reject(new Error(`the browser's storage could not be opened: ${request.error?.message}`));
  });
}

/** One request in its own transaction on `store`, with the database closed afterwards. */
export async function inStore<T>(
  store: string,
  mode: IDBTransactionMode,
  action: (objectStore: IDBObjectStore) => IDBRequest<T>,
): Promise<T> {
  const database = await openDatabase();
  try {
    return await new Promise<T>((resolve, reject) => {
      const transaction = database.transaction(store, mode);
      const request = action(transaction.objectStore(store));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(new Error(`${store}: ${request.error?.message}`));
      // a write refused as it commits (a value too large, a full quota) fails the transaction
      // alone: without this the promise would never settle
      transaction.onabort = () =>
        reject(new Error(`${store}: ${transaction.error?.message ?? 'the transaction failed'}`));
    });
  } finally {
    database.close();
  }
}

/**
 * Several requests in one transaction on `store`: all of them land or none do. `action` makes
 * the requests; the result is what it returns, once the transaction has committed.
 */
export async function inTransaction<T>(
  store: string,
  mode: IDBTransactionMode,
  action: (objectStore: IDBObjectStore) => T,
): Promise<T> {
  const database = await openDatabase();
  try {
    const transaction = database.transaction(store, mode);
    const result = action(transaction.objectStore(store));
    await new Promise<void>((resolve, reject) => {
      transaction.oncomplete = () => resolve();
      transaction.onabort = transaction.onerror = () =>
        reject(new Error(`${store}: ${transaction.error?.message ?? 'the transaction failed'}`));
    });
    return result;
  } finally {
    database.close();
  }
}
