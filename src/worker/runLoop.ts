// The run loop of a session's job: steps the job (and its dense baseline in lockstep), and reports
// what the charts draw at a bounded rate: step metrics, test-slice accuracy every few seconds,
// epochs, prune events and spectra. Its host (the session) owns the job and its state.
import type { RunName, RunState, WorkerEvent } from '../protocol';
import { TEST_SLICE_IMAGES } from '../protocol';
import type { EpochReport, LayerSpectrum } from '../train/reports';
import type { Trainer } from '../train/trainer';
import { toSeries } from '../train/stepSeries';
import {
  epochEvent,
  evaluationEvent,
  prunedEvent,
  seriesBuffers,
  spectraEvent,
  yieldToEvents,
} from './sessionEvents';

/** Step metrics are sent at most this often (about 10 messages a second). */
export const FLUSH_INTERVAL_MS = 100;

/** The test slice (TEST_SLICE_IMAGES, one batch) is evaluated at most this often... */
export const SLICE_INTERVAL_MS = 2000;
/** ...and at most this share of the time, so a slow network is not slowed further by it. */
const SLICE_TIME_SHARE = 0.1;

/** What the run loop needs of the session that owns the job. */
export interface RunHost {
  runState(): RunState;
  setState(state: RunState): void;
  post(event: WorkerEvent, transfer?: Transferable[]): void;
  /** runs `work` when the commands queued before it are done */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
  fail(error: unknown): void;
  /** the job and its dense baseline, if any */
  trainer(): Trainer | null;
  baseline(): Trainer | null;
  /** the step where the job's loss became non-finite (it cannot go on), or null */
  divergedAt(): number | null;
  diverged(run: RunName, step: number): void;
  /** saves the job (at an epoch's end) */
  autosave(): Promise<void>;
  /** saves the job when the last save is old enough */
  autosaveIfDue(): Promise<void>;
}

export class RunLoop {
  private looping = false;
  private lastFlush = 0;
  /** when the test slice may next be evaluated */
  private nextSliceAt = 0;

  constructor(private readonly host: RunHost) {}

  /** Starts stepping until the job is paused, stopped, replaced or finished. */
  start(): void {
    const trainer = this.host.trainer();
    const baseline = this.host.baseline();
    trainer?.resetStepTiming();
    baseline?.resetStepTiming();
    this.lastFlush = performance.now();
    this.nextSliceAt = this.lastFlush + SLICE_INTERVAL_MS;
    this.host.setState('running');
    void this.run();
  }

  private async run(): Promise<void> {
    if (this.looping) return;
    this.looping = true;
    const host = this.host;
    try {
      while (host.runState() === 'running' && host.trainer()) {
        const trainer = host.trainer()!;
        await host.exclusive(async () => {
          // a command queued before this step may have paused, stopped or replaced the job
          if (host.runState() !== 'running' || host.trainer() !== trainer) return;
          await this.stepOnce(trainer, false);
        });
        await yieldToEvents();
      }
    } catch (error) {
      host.fail(error);
      if (host.runState() === 'running') host.setState('paused');
    } finally {
      this.looping = false;
    }
  }

  /** One step of the job and its baseline, and whatever is due after it. */
  async stepOnce(trainer: Trainer, flush: boolean): Promise<void> {
    const host = this.host;
    const { endOfEpoch } = trainer.trainStep();
    const baseline = host.baseline();
    const baselineEnd =
      baseline && baseline.epoch < baseline.config.epochs ? baseline.trainStep().endOfEpoch : false;
    if (
      flush ||
      endOfEpoch ||
      baselineEnd ||
      performance.now() - this.lastFlush >= FLUSH_INTERVAL_MS
    ) {
      await this.flushAll();
    }
    if (host.divergedAt() !== null) {
      if (host.runState() === 'running') host.setState('paused');
      return;
    }
    await trainer.pruneIfDue();
    await this.reportPruning(trainer);
    if (!endOfEpoch && !flush && performance.now() >= this.nextSliceAt) await this.evaluateSlices();
    if (baseline && baselineEnd) this.postEpoch(await baseline.endEpoch(), 'baseline');
    if (endOfEpoch) {
      this.postEpoch(await trainer.endEpoch(), 'main');
      if (trainer.epoch >= trainer.config.epochs) host.setState('finished');
      await host.autosave();
    } else {
      await host.autosaveIfDue();
    }
  }

  /**
   * Accuracy on the test slice, for the job and its baseline: a point on the accuracy chart every
   * few seconds, long before the first epoch ends. Waits longer after a slow evaluation.
   */
  private async evaluateSlices(): Promise<void> {
    const trainer = this.host.trainer();
    const baseline = this.host.baseline();
    const started = performance.now();
    await this.flushAll();
    if (trainer) await this.evaluateAndPost(trainer, 'main', 'slice');
    if (baseline) await this.evaluateAndPost(baseline, 'baseline', 'slice');
    const took = performance.now() - started;
    this.nextSliceAt = performance.now() + Math.max(SLICE_INTERVAL_MS, took / SLICE_TIME_SHARE);
    trainer?.resetStepTiming();
    baseline?.resetStepTiming();
  }

  async evaluateAndPost(trainer: Trainer, run: RunName, scope: 'slice' | 'full'): Promise<void> {
    const result = await trainer.evaluate(scope === 'slice' ? TEST_SLICE_IMAGES : undefined);
    this.host.post(evaluationEvent(run, scope, trainer.step, result));
  }

  /** Sends the step metrics of the job and its baseline not yet sent. */
  async flushAll(): Promise<void> {
    const trainer = this.host.trainer();
    const baseline = this.host.baseline();
    if (trainer) await this.flushSteps(trainer, 'main');
    if (baseline) await this.flushSteps(baseline, 'baseline');
  }

  private async flushSteps(trainer: Trainer, run: RunName): Promise<void> {
    const metrics = await trainer.readStepMetrics();
    this.lastFlush = performance.now();
    if (metrics.length === 0) return;
    const series = toSeries(metrics);
    this.host.post({ type: 'steps', run, series }, seriesBuffers(series));
    const bad = metrics.find((m) => !Number.isFinite(m.total));
    // stop at once: every further step would only spread NaN through the weights
    if (bad && this.host.divergedAt() === null) this.host.diverged(run, bad.step);
  }

  private postEpoch(report: EpochReport, run: RunName): void {
    this.host.post(epochEvent(report, run));
    if (run === 'main') this.sendSpectra(report.step, report.spectra);
  }

  /** Reports the prune events not yet reported (scheduled, Prune now, a lowered cap or target). */
  async reportPruning(trainer: Trainer): Promise<void> {
    const events = trainer.takePruneLog();
    if (events.length === 0) return;
    this.host.post(prunedEvent(trainer, events));
    await this.postSpectra(trainer);
  }

  async postSpectra(trainer: Trainer): Promise<void> {
    this.sendSpectra(trainer.step, await trainer.spectra());
  }

  private sendSpectra(step: number, spectra: LayerSpectrum[]): void {
    const event = spectraEvent(step, spectra);
    this.host.post(
      event,
      event.values.map((v) => v.buffer as ArrayBuffer),
    );
  }
}
