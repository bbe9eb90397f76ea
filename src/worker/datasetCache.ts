// IndexedDB cache of parsed datasets, keyed by their source (URL, or file name + size + date), so
// a reload neither downloads nor parses again. Typed arrays are stored as they are.
import type { ImageDataset } from '../data/dataset';
import type { CachedDataset } from '../protocol';
import { inStore, openDatabase, STORES } from './database';

interface Record extends CachedDataset {
  dataset: ImageDataset;
}

const run = <T>(mode: IDBTransactionMode, action: (store: IDBObjectStore) => IDBRequest<T>) =>
  inStore(STORES.datasets, mode, action);

export function datasetBytes(dataset: ImageDataset): number {
  const { train, test } = dataset;
  return train.images.length + train.labels.length + test.images.length + test.labels.length;
}

export async function readCached(key: string): Promise<ImageDataset | null> {
  const record = await run<Record | undefined>('readonly', (store) => store.get(key));
  return record?.dataset ?? null;
}

export async function writeCached(
  key: string,
  dataset: ImageDataset,
  checksum?: string,
): Promise<void> {
  const record: Record = {
    key,
    checksum,
    name: dataset.name,
    bytes: datasetBytes(dataset),
    savedAt: new Date().toISOString(),
    dataset,
  };
  await run('readwrite', (store) => store.put(record));
}

/** What is cached, without reading the pixel arrays back into memory. */
export async function listCached(): Promise<CachedDataset[]> {
  const database = await openDatabase();
  try {
    return await new Promise((resolve, reject) => {
      const entries: CachedDataset[] = [];
      const request = database
        .transaction(STORES.datasets, 'readonly')
        .objectStore(STORES.datasets)
        .openCursor();
      request.onsuccess = () => {
        const cursor = request.result;
        if (!cursor) return resolve(entries);
        const { key, name, bytes, savedAt, checksum } = cursor.value as Record;
        entries.push({ key, name, bytes, savedAt, checksum });
        cursor.continue();
      };
      request.onerror = () => reject(new Error(`dataset cache: ${request.error?.message}`));
    });
  } finally {
    database.close();
  }
}

export async function clearCached(): Promise<void> {
  await run('readwrite', (store) => store.clear());
}
