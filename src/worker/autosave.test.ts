import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { journalWith, stepsFrom } from '../testing/stepSeries';
import { browserAutosave, type RunToSave } from './autosave';
import { inStore, STORES } from './database';
import type { RunJournal } from './runJournal';
import { CHUNK_STEPS } from './runJournal';

function runOf(journal: RunJournal, step: number): RunToSave {
  return {
    summary: { savedAt: '2026-12-06T12:00:00Z', step, epoch: 0, epochs: 3, description: 'test' },
    dataset: { kind: 'builtin', seed: 1, size: 16, trainCount: 64, testCount: 32 },
    limits: {},
    checkpoint: Uint8Array.of(1, 2, 3),
    baselineCheckpoint: null,
    ...journal.chunkedHistory(),
  };
}

/** The keys of the step chunks each save puts, one list a save. */
function spyOnChunkPuts(): string[][] {
  const saves: string[][] = [];
  const put = IDBObjectStore.prototype.put;
  vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (
    this: IDBObjectStore,
    value: unknown,
    key?: IDBValidKey,
  ) {
    const record = (value as { key: string }).key;
    if (record === 'latest') saves.push([]);
    else if (record.startsWith('latest:steps:')) saves.at(-1)!.push(record);
    return put.call(this, value, key);
  });
  return saves;
}

afterEach(async () => {
  vi.restoreAllMocks();
  await browserAutosave().discard();
});

describe('the autosave in IndexedDB', () => {
  it('loads back exactly what was saved, and the summary alone', async () => {
    const journal = journalWith([CHUNK_STEPS * 2 + 100]);
    journal.record({ type: 'steps', run: 'baseline', series: stepsFrom(1, 5) });
    const store = browserAutosave();
    await store.save(runOf(journal, CHUNK_STEPS * 2 + 100));
    expect(await store.summary()).toMatchObject({ step: CHUNK_STEPS * 2 + 100 });
    const loaded = (await browserAutosave().load())!;
    const expected = journal.history();
    expect(Array.from(loaded.history.steps.main!.step)).toEqual(
      Array.from(expected.steps.main!.step),
    );
    expect(Array.from(loaded.history.steps.main!.total)).toEqual(
      Array.from(expected.steps.main!.total),
    );
    expect(Array.from(loaded.history.steps.baseline!.step)).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from(loaded.checkpoint)).toEqual([1, 2, 3]);
    expect(loaded.dataset).toMatchObject({ kind: 'builtin' });
  });

  it('writes each sealed chunk once: a later save writes only the chunks since', async () => {
    const saves = spyOnChunkPuts();
    const journal = journalWith([CHUNK_STEPS + 10]);
    const store = browserAutosave();
    await store.save(runOf(journal, CHUNK_STEPS + 10));
    journal.record({ type: 'steps', run: 'main', series: stepsFrom(CHUNK_STEPS + 11, 20) });
    await store.save(runOf(journal, CHUNK_STEPS + 30));
    journal.record({
      type: 'steps',
      run: 'main',
      series: stepsFrom(CHUNK_STEPS + 31, CHUNK_STEPS),
    });
    await store.save(runOf(journal, 2 * CHUNK_STEPS + 30));
    expect(saves).toEqual([
      ['latest:steps:main:00000000', 'latest:steps:main:00000001'],
      ['latest:steps:main:00000001'],
      ['latest:steps:main:00000001', 'latest:steps:main:00000002'],
    ]);
    const loaded = (await store.load())!;
    expect(Array.from(loaded.history.steps.main!.step)).toEqual(
      Array.from({ length: 2 * CHUNK_STEPS + 30 }, (_, i) => i + 1),
    );
  });

  it('drops the chunks of a longer run saved before, and rewrites what another tab saved over', async () => {
    const first = browserAutosave();
    await first.save(runOf(journalWith([3 * CHUNK_STEPS]), 3 * CHUNK_STEPS));
    const shorter = journalWith([CHUNK_STEPS + 1]);
    await first.save(runOf(shorter, CHUNK_STEPS + 1));
    expect((await first.load())!.history.steps.main!.step.length).toBe(CHUNK_STEPS + 1);

    // another tab's run lands in between: this store's next save writes all its chunks again
    await browserAutosave().save(runOf(journalWith([2 * CHUNK_STEPS]), 2 * CHUNK_STEPS));
    const saves = spyOnChunkPuts();
    await first.save(runOf(shorter, CHUNK_STEPS + 1));
    expect(saves).toEqual([['latest:steps:main:00000000', 'latest:steps:main:00000001']]);
    expect(Array.from((await first.load())!.history.steps.main!.step).at(-1)).toBe(CHUNK_STEPS + 1);
  });

  it('loads a save from before the chunks, and discards everything', async () => {
    const legacy = { ...runOf(journalWith([3]), 3), history: journalWith([3]).history() };
    delete (legacy as Partial<RunToSave>).stepChunks;
    await inStore(STORES.runs, 'readwrite', (store) => store.put({ key: 'latest', ...legacy }));
    const store = browserAutosave();
    expect(Array.from((await store.load())!.history.steps.main!.step)).toEqual([1, 2, 3]);
    expect(await store.summary()).toMatchObject({ step: 3 });

    await store.save(runOf(journalWith([5]), 5));
    await store.discard();
    expect(await store.load()).toBeNull();
    expect(await store.summary()).toBeNull();
    const left = await inStore(STORES.runs, 'readonly', (s) => s.count());
    expect(left).toBe(0);
  });
});
