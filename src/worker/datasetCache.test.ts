import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { generateBuiltin } from '../data/builtin';
import { clearCached, listCached, readCached, writeCached } from './datasetCache';
import { inTransaction, STORES } from './database';

const dataset = generateBuiltin({ seed: 3, size: 16, trainCount: 64, testCount: 32 });

describe('the dataset cache', () => {
  it('stores the pixels in pieces and reads them back whole', async () => {
    await clearCached();
    // 64 images of 768 bytes in pieces of 1,000 bytes: 50 train pieces, 25 test pieces
    await writeCached('set', dataset, 'sha', 1000);
    const pieces = await inTransaction(STORES.datasetChunks, 'readonly', (store) => store.count());
    expect(pieces.result).toBe(75);
    // each piece is stored as its own bytes, not as a view of the whole split's buffer
    const piece = await inTransaction(STORES.datasetChunks, 'readonly', (store) =>
      store.get('set\u0000train\u00001'),
    );
    const stored = (piece.result as { bytes: Uint8Array }).bytes;
    expect(stored.buffer.byteLength).toBe(1000);
    expect(Array.from(stored)).toEqual(Array.from(dataset.train.images.subarray(1000, 2000)));
    const read = await readCached('set');
    expect(read!.train.images).toEqual(dataset.train.images);
    expect(read!.test.images).toEqual(dataset.test.images);
    expect(read!.train.labels).toEqual(dataset.train.labels);
    expect(read!.classNames).toEqual(dataset.classNames);
    const [entry] = await listCached();
    expect(entry).toMatchObject({
      key: 'set',
      checksum: 'sha',
      bytes: 64 * 768 + 64 + 32 * 768 + 32,
    });
  });

  it('a piece gone reads as no cache; clearing removes the pieces too', async () => {
    await clearCached();
    await writeCached('set', dataset, undefined, 1000);
    await inTransaction(STORES.datasetChunks, 'readwrite', (store) =>
      store.delete('set\u0000train\u00003'),
    );
    expect(await readCached('set')).toBeNull();
    await clearCached();
    const pieces = await inTransaction(STORES.datasetChunks, 'readonly', (store) => store.count());
    expect(pieces.result).toBe(0);
    expect(await listCached()).toEqual([]);
  });
});
