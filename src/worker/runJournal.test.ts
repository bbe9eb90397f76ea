import { describe, expect, it } from 'vitest';
import { journalWith, stepsFrom } from '../testing/stepSeries';
import { CHUNK_STEPS, RunJournal } from './runJournal';

describe('the run journal', () => {
  it('seals full chunks, keeps them as the same objects, and joins only the open tail', () => {
    const journal = journalWith([1000, CHUNK_STEPS, 4000, 7]);
    const total = 1000 + CHUNK_STEPS + 4007;
    const first = journal.chunkedHistory().stepChunks.main!;
    expect(first.map((c) => c.step.length)).toEqual([
      CHUNK_STEPS,
      CHUNK_STEPS,
      total - 2 * CHUNK_STEPS,
    ]);
    expect(Array.from(first.flatMap((c) => Array.from(c.step)))).toEqual(
      Array.from({ length: total }, (_, i) => i + 1),
    );
    journal.record({ type: 'steps', run: 'main', series: stepsFrom(total + 1, 5) });
    const second = journal.chunkedHistory().stepChunks.main!;
    expect(second[0]).toBe(first[0]);
    expect(second[1]).toBe(first[1]);
    expect(second[2].step.length).toBe(total - 2 * CHUNK_STEPS + 5);
    expect(journal.lastStep).toBe(total + 5);
  });

  it('gives the whole history joined, and continues a saved one', () => {
    const journal = journalWith([CHUNK_STEPS + 10]);
    journal.record({ type: 'steps', run: 'baseline', series: stepsFrom(1, 3) });
    const history = journal.history();
    expect(history.steps.main!.step.length).toBe(CHUNK_STEPS + 10);
    expect(history.steps.main!.crossEntropy[CHUNK_STEPS + 9]).toBe(CHUNK_STEPS + 10);
    expect(Array.from(history.steps.baseline!.step)).toEqual([1, 2, 3]);

    const resumed = RunJournal.from(history);
    expect(resumed.lastStep).toBe(CHUNK_STEPS + 10);
    resumed.record({ type: 'steps', run: 'main', series: stepsFrom(CHUNK_STEPS + 11, 1) });
    expect(resumed.chunkedHistory().stepChunks.main!.map((c) => c.step.length)).toEqual([
      CHUNK_STEPS,
      11,
    ]);
  });

  it('has no chunks before any step', () => {
    const journal = new RunJournal();
    expect(journal.chunkedHistory().stepChunks).toEqual({});
    expect(journal.history().steps).toEqual({});
    expect(journal.lastStep).toBe(0);
  });
});
