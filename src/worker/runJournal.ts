// A run's chart history at full resolution, recorded from the events the session posts: every
// step's metrics, epochs, prune events, test evaluations and ranks. The charts keep a bounded
// picture; this keeps the whole run, for autosave, resume and run-log.jsonl.
import type { HistoryEvent, RunHistory, RunName, StepSeries, WorkerEvent } from '../protocol';
import { concatSeries } from '../train/stepSeries';

export class RunJournal {
  private steps: Record<RunName, StepSeries[]> = { main: [], baseline: [] };
  private events: HistoryEvent[] = [];
  private spectra: RunHistory['spectra'] = null;
  /** the job's configured event (its first, for a resumed run) */
  job: RunHistory['job'];

  /** Continues a saved history (a resumed run). */
  static from(history: RunHistory): RunJournal {
    const journal = new RunJournal();
    for (const run of ['main', 'baseline'] as const) {
      const series = history.steps[run];
      if (series) journal.steps[run].push(series);
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
        this.steps[event.run].push(copySeries(event.series));
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

  history(): RunHistory {
    const steps: RunHistory['steps'] = {};
    for (const run of ['main', 'baseline'] as const) {
      const batches = this.steps[run];
      if (batches.length) {
        // keep one joined batch, so the next call does not join them again
        this.steps[run] = [concatSeries(batches)];
        steps[run] = this.steps[run][0];
      }
    }
    return { steps, events: [...this.events], spectra: this.spectra, job: this.job };
  }

  /** The last step recorded for the main run (0 before any). */
  get lastStep(): number {
    const batch = this.steps.main.at(-1);
    return batch && batch.step.length ? batch.step[batch.step.length - 1] : 0;
  }
}

function copySeries(series: StepSeries): StepSeries {
  return Object.fromEntries(
    Object.entries(series).map(([field, values]) => [field, values.slice()]),
  ) as unknown as StepSeries;
}
