// IndexedDB cache of parsed datasets, keyed by their source (URL, or file name + size + date), so
// a reload neither downloads nor parses again. The pixels are stored in pieces (CHUNK_BYTES).
import type { ImageDataset, Split } from '../data/dataset';
import type { CachedDataset } from '../protocol';
import { inStore, inTransaction, openDatabase, STORES } from './database';

/** A split as the cache record holds it: its pixels are in `chunks` records of their own. */
type StoredSplit = Omit<Split, 'images'> & { images?: Uint8Array; chunks?: number };

interface Record extends CachedDataset {
  dataset: Omit<ImageDataset, 'train' | 'test'> & { train: StoredSplit; test: StoredSplit };
}

/**
 * Bytes of pixels a chunk record holds. Chromium refuses an IndexedDB value over about 127 MB
 * (CIFAR-10's 50,000 training images are 154 MB), so the pixels go in pieces well under it.
 */
export const CHUNK_BYTES = 32 * 1024 * 1024;

const chunkKey = (key: string, split: 'train' | 'test', index: number) =>
  `${key}\u0000${split}\u0000${index}`;

const run = <T>(mode: IDBTransactionMode, action: (store: IDBObjectStore) => IDBRequest<T>) =>
  inStore(STORES.datasets, mode, action);

export function datasetBytes(dataset: ImageDataset): number {
  const { train, test } = dataset;
  return train.images.length + train.labels.length + test.images.length + test.labels.length;
}

async function readChunks(key: string, split: 'train' | 'test', stored: StoredSplit) {
  if (stored.images) return stored.images;
  const keys = Array.from({ length: stored.chunks ?? 0 }, (_, i) => chunkKey(key, split, i));
  const chunks = await inTransaction(STORES.datasetChunks, 'readonly', (store) =>
    keys.map((k) => store.get(k) as IDBRequest<{ bytes: Uint8Array } | undefined>),
  );
  const parts = chunks.map((request) => request.result?.bytes);
  // a cache cut short (a chunk removed by the browser) reads as no cache
  if (parts.some((part) => !part)) return null;
  const images = new Uint8Array(parts.reduce((n, part) => n + part!.length, 0));
  let at = 0;
  for (const part of parts) {
    images.set(part!, at);
    at += part!.length;
  }
  return images;
}

export async function readCached(key: string): Promise<ImageDataset | null> {
  const record = await run<Record | undefined>('readonly', (store) => store.get(key));
  if (!record) return null;
  const { train, test } = record.dataset;
  const trainImages = await readChunks(key, 'train', train);
  const testImages = await readChunks(key, 'test', test);
  if (!trainImages || !testImages) return null;
  const split = ({ labels, count }: StoredSplit, images: Uint8Array): Split => ({
    images,
    labels,
    count,
  });
  return {
    ...record.dataset,
    train: split(train, trainImages),
    test: split(test, testImages),
  };
}

export async function writeCached(
  key: string,
  dataset: ImageDataset,
  checksum?: string,
  chunkBytes = CHUNK_BYTES,
): Promise<void> {
  const chunkCount = (images: Uint8Array) => Math.ceil(images.length / chunkBytes);
  const stored = ({ labels, count }: Split, chunks: number): StoredSplit => ({
    labels,
    count,
    chunks,
  });
  const record: Record = {
    key,
    checksum,
    name: dataset.name,
    bytes: datasetBytes(dataset),
    savedAt: new Date().toISOString(),
    dataset: {
      ...dataset,
      train: stored(dataset.train, chunkCount(dataset.train.images)),
      test: stored(dataset.test, chunkCount(dataset.test.images)),
    },
  };
  // the chunks first, the record that names them last: a record is only there with its chunks
  for (const split of ['train', 'test'] as const) {
    const { images } = dataset[split];
    for (let i = 0; i < chunkCount(images); i++) {
      // a copy, not a view: a view would be stored with the whole buffer under it
      const bytes = images.slice(i * chunkBytes, (i + 1) * chunkBytes);
      // one piece a transaction, so only one copy is held at a time
      await inTransaction(STORES.datasetChunks, 'readwrite', (store) =>
        store.put({ key: chunkKey(key, split, i), bytes }),
      );
    }
  }
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
  await inTransaction(STORES.datasetChunks, 'readwrite', (store) => store.clear());
}
