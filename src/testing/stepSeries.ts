// Step histories of any length, for the tests of the run journal, the autosave and the bridge.
import { STEP_METRIC_FIELDS, type RunName, type StepRecord, type StepSeries } from '../protocol';
import { RunJournal } from '../worker/runJournal';
import { toSeries } from '../train/stepSeries';

/** Steps first..first+count-1, each field holding its step number. */
export function stepsFrom(first: number, count: number): StepSeries {
  return toSeries(
    Array.from({ length: count }, (_, i) => {
      const record = { step: first + i } as StepRecord;
      for (const field of STEP_METRIC_FIELDS) record[field] = first + i;
      return record;
    }),
  );
}

/** A journal that recorded batches of `counts` steps of `run`, numbered from 1. */
export function journalWith(counts: number[], run: RunName = 'main'): RunJournal {
  const journal = new RunJournal();
  let next = 1;
  for (const count of counts) {
    journal.record({ type: 'steps', run, series: stepsFrom(next, count) });
    next += count;
  }
  return journal;
}
