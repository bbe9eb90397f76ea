import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_CONFIG } from '../config';
import type { RunRow } from '../runs/runColumns';
import { sampleRunLogText } from '../testing/sampleRun';
import {
  deleteAllRuns,
  deleteRuns,
  keepRun,
  listRuns,
  runLogText,
  runsOverBudget,
  updateRun,
} from './runLibrary';

function row(id: string, savedAt: number, pinned = false): Omit<RunRow, 'bytes'> {
  return {
    id,
    name: `run ${id}`,
    note: '',
    pinned,
    savedAt,
    origin: 'studio',
    config: DEFAULT_CONFIG,
    dataset: 'shapes',
    summary: {
      testAccuracy: 0.5,
      validationAccuracy: null,
      paramsKept: 1,
      macsKept: 1,
      rankKept: 1,
      lastStep: 8,
      epochs: 1,
      seconds: 1,
      device: 'cpu',
    },
    digest: {
      stepsPerEpoch: 4,
      crossEntropy: [],
      trainAccuracy: [],
      evalAccuracy: [],
      paramsKept: [],
      rankKept: [],
    },
  };
}

const text = sampleRunLogText();
const BIG = 1 << 30;

describe('the run library', () => {
  beforeEach(async () => {
    await deleteAllRuns();
  });

  it('keeps rows and logs, oldest first, and gives a log back as it was', async () => {
    await keepRun(row('b', 2), text, BIG);
    await keepRun(row('a', 1), text, BIG);
    const rows = await listRuns();
    expect(rows.map((r) => r.id)).toEqual(['a', 'b']);
    // stored compressed
    expect(rows[0].bytes).toBeGreaterThan(0);
    expect(rows[0].bytes).toBeLessThan(text.length);
    expect(await runLogText('a')).toBe(text);
  });

  it('renames, notes, pins and deletes', async () => {
    await keepRun(row('a', 1), text, BIG);
    await keepRun(row('b', 2), text, BIG);
    await updateRun('a', { name: 'best', note: 'lambda 0.3', pinned: true });
    expect((await listRuns())[0]).toMatchObject({ name: 'best', note: 'lambda 0.3', pinned: true });
    await deleteRuns(['b']);
    expect((await listRuns()).map((r) => r.id)).toEqual(['a']);
    await expect(runLogText('b')).rejects.toThrow(/no longer in this browser/);
  });

  it('past the budget removes the oldest unpinned runs, never a pinned one', async () => {
    const first = await keepRun(row('a', 1, true), text, BIG);
    const size = first.row.bytes;
    await keepRun(row('b', 2), text, BIG);
    await keepRun(row('c', 3), text, BIG);
    // room for three: the fourth removes the oldest unpinned (b), not the pinned a
    const kept = await keepRun(row('d', 4), text, 3 * size);
    expect(kept.evicted.map((r) => r.id)).toEqual(['b']);
    expect((await listRuns()).map((r) => r.id)).toEqual(['a', 'c', 'd']);
    await expect(keepRun(row('e', 5), text, size - 1)).rejects.toThrow(
      /more than the whole budget/,
    );
    expect((await listRuns()).map((r) => r.id)).toEqual(['a', 'c', 'd']);
  });

  it('a full quota removes old runs one at a time, and keeps everything when none can go', async () => {
    await keepRun(row('a', 1), text, BIG);
    await keepRun(row('b', 2, true), text, BIG);
    const put = IDBObjectStore.prototype.put;
    let refusals = 1;
    const spy = vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (
      this: IDBObjectStore,
      ...args: Parameters<IDBObjectStore['put']>
    ) {
      if (this.name === 'logs' && refusals-- > 0)
        throw new DOMException('the quota is full', 'QuotaExceededError');
      return put.apply(this, args);
    });
    try {
      const kept = await keepRun(row('c', 3), text, BIG);
      expect(kept.evicted.map((r) => r.id)).toEqual(['a']);
      expect((await listRuns()).map((r) => r.id)).toEqual(['b', 'c']);
      refusals = 100;
      await expect(keepRun(row('d', 4), text, BIG)).rejects.toThrow(/storage is full/);
      // c is unpinned, so it went while making room; the pinned b stays, d was not kept
      expect((await listRuns()).map((r) => r.id)).toEqual(['b']);
    } finally {
      spy.mockRestore();
    }
  });

  it('runsOverBudget picks the oldest unpinned until the rest fit', () => {
    const rows = [
      { ...row('a', 1, true), bytes: 10 },
      { ...row('b', 2), bytes: 10 },
      { ...row('c', 3), bytes: 10 },
    ];
    expect(runsOverBudget(rows, 30)).toEqual([]);
    expect(runsOverBudget(rows, 15).map((r) => r.id)).toEqual(['b', 'c']);
  });
});
