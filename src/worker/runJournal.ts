// A run's chart history at full resolution, recorded from the events the session posts: every
// step's metrics, epochs, prune events, test evaluations and ranks. The charts keep a bounded
// picture; this keeps the whole run, for autosave, resume and run-log.jsonl.
import type { HistoryEvent, RunHistory, RunName, StepSeries, WorkerEvent } from '../protocol';
import { concatSeries, sliceSeries } from '../train/stepSeries';

/**
 * Steps per sealed chunk of the step history. Sealed chunks never change, so an autosave writes
 * each once and then only the open tail: a save costs the same at step 300,000 as at step 300.
 */
export const CHUNK_STEPS = 4096;

/** A run's steps: sealed chunks of CHUNK_STEPS steps each, then the batches since. */
interface ChunkedSteps {
  sealed: StepSeries[];
  open: StepSeries[];
  openLength: number;
}

/** What an autosave writes: the history without its steps, and the steps as chunks. */
export interface ChunkedHistory {
  history: RunHistory;
  /** per run, sealed chunks (the same objects from save to save) and then the open tail */
  stepChunks: Partial<Record<RunName, readonly StepSeries[]>>;
}

export class RunJournal {
  private steps: Record<RunName, ChunkedSteps> = { main: emptySteps(), baseline: emptySteps() };
  private events: HistoryEvent[] = [];
  private spectra: RunHistory['spectra'] = null;
  /** the job's configured event (its first, for a resumed run) */
  job: RunHistory['job'];

  /** Continues a saved history (a resumed run). */
  static from(history: RunHistory): RunJournal {
    const journal = new RunJournal();
    for (const run of ['main', 'baseline'] as const) {
      const series = history.steps[run];
      if (series) journal.addSteps(run, series);
    }
    journal.events = [...history.events];
    journal.spectra = history.spectra;
    journal.job = history.job;
    return journal;
  }

  /**
   * Keeps what a chart needs of `event`. Call before posting it: posting transfers the typed
   * arrays, and the journal keeps copies.
   */
  record(event: WorkerEvent): void {
    switch (event.type) {
      case 'steps':
        this.addSteps(event.run, sliceSeries(event.series, 0, event.series.step.length));
        return;
      case 'spectra':
        this.spectra = { ...event, values: event.values.map((v) => v.slice()) };
        this.events.push({ ...event, values: [] });
        return;
      case 'configured':
        this.job ??= event;
        return;
      case 'epoch':
      case 'pruned':
      case 'evaluation':
        this.events.push(event);
        return;
      default:
        return;
    }
  }

  /** The whole history, each run's steps joined (a copy of the whole run: for exports). */
  history(): RunHistory {
    const { history, stepChunks } = this.chunkedHistory();
    for (const [run, chunks] of Object.entries(stepChunks))
      history.steps[run as RunName] = concatSeries(chunks);
    return history;
  }

  /** The history as an autosave writes it: joins nothing but the open tail. */
  chunkedHistory(): ChunkedHistory {
    const stepChunks: ChunkedHistory['stepChunks'] = {};
    for (const run of ['main', 'baseline'] as const) {
      const { sealed, open } = this.steps[run];
      // keep the tail as one joined batch, so the next call does not join it again
      if (open.length > 1) this.steps[run].open = [concatSeries(open)];
      const chunks = [...sealed, ...this.steps[run].open];
      if (chunks.length) stepChunks[run] = chunks;
    }
    return {
      history: { steps: {}, events: [...this.events], spectra: this.spectra, job: this.job },
      stepChunks,
    };
  }

  /** The last step recorded for the main run (0 before any). */
  get lastStep(): number {
    const { sealed, open } = this.steps.main;
    const batch = open.at(-1) ?? sealed.at(-1);
    return batch && batch.step.length ? batch.step[batch.step.length - 1] : 0;
  }

  private addSteps(run: RunName, series: StepSeries): void {
    const steps = this.steps[run];
    steps.open.push(series);
    steps.openLength += series.step.length;
    if (steps.openLength < CHUNK_STEPS) return;
    const joined = concatSeries(steps.open);
    let start = 0;
    for (; start + CHUNK_STEPS <= steps.openLength; start += CHUNK_STEPS)
      steps.sealed.push(sliceSeries(joined, start, start + CHUNK_STEPS));
    steps.open = start < steps.openLength ? [sliceSeries(joined, start, steps.openLength)] : [];
    steps.openLength -= start;
  }
}

function emptySteps(): ChunkedSteps {
  return { sealed: [], open: [], openLength: 0 };
}
