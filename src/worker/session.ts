// The training session behind the worker: validates each command, owns the dataset and the job,
// runs the step loop, and streams events at a bounded rate. Free of worker globals (it talks
// through a port and injected services), so Node tests drive it exactly as the page does.
import { DEFAULT_CONFIG, type TrainConfig } from '../config';
import { sizeKept, type ModelAccounting } from '../lowrank/accounting';
import { describeDataset, type ImageDataset } from '../data/dataset';
import type {
  BackendName,
  CachedDataset,
  CostSummary,
  Command,
  CommandType,
  DatasetPhase,
  DatasetSource,
  EpochSummary,
  LayerRank,
  RememberedBackend,
  RunName,
  RunState,
  SkippedBackend,
  StepSeries,
  WorkerEvent,
} from '../protocol';
import { TEST_SLICE_IMAGES } from '../protocol';
import { Trainer, type EpochReport, type LayerSpectrum, type StepMetrics } from '../train/trainer';
import { exportJob, timeInference } from '../train/exporter';
import { CommandError, parseCommand } from './validateCommand';

export interface SessionPort {
  post(event: WorkerEvent, transfer?: Transferable[]): void;
}

/** What the session needs from its host (the worker, or a test). */
export interface SessionServices {
  selectBackend(
    preferred: BackendName | undefined,
    remembered: RememberedBackend | undefined,
    onProgress: (message: string) => void,
  ): Promise<{
    backend: BackendName;
    skipped: SkippedBackend[];
    detail?: string;
    fingerprint: string;
    fromMemory: boolean;
  }>;
  tfVersion: string;
  gradientCheck(): Promise<number>;
  loadDataset(
    source: DatasetSource,
    onProgress: (phase: DatasetPhase, loadedBytes: number, totalBytes: number | null) => void,
  ): Promise<{ dataset: ImageDataset; fromCache: boolean }>;
  listCache(): Promise<CachedDataset[]>;
  clearCache(): Promise<void>;
}

/** Step metrics are sent at most this often (about 10 messages a second). */
export const FLUSH_INTERVAL_MS = 100;

/** The test slice (TEST_SLICE_IMAGES, one batch) is evaluated at most this often... */
export const SLICE_INTERVAL_MS = 2000;
/** ...and at most this share of the time, so a slow network is not slowed further by it. */
const SLICE_TIME_SHARE = 0.1;

const SERIES_FIELDS = [
  'epoch',
  'crossEntropy',
  'orth',
  'rank',
  'total',
  'trainAccuracy',
  'learningRate',
  'lambdaRank',
  'stepMs',
] as const;

function toSeries(metrics: StepMetrics[]): StepSeries {
  const series = { step: Float64Array.from(metrics, (m) => m.step) } as StepSeries;
  for (const field of SERIES_FIELDS) series[field] = Float32Array.from(metrics, (m) => m[field]);
  return series;
}

function seriesBuffers(series: StepSeries): Transferable[] {
  return Object.values(series).map(
    (array: Float32Array | Float64Array) => array.buffer as ArrayBuffer,
  );
}

/** Lets queued messages run between steps; MessageChannel is not throttled like setTimeout. */
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** Params and MACs of the dense, factorised and deployable forms, as the protocol carries them. */
function costSummaries(accounting: ModelAccounting): { params: CostSummary; macs: CostSummary } {
  const pick = (cost: 'params' | 'macs') => ({
    dense: accounting.dense[cost],
    factorised: accounting.factorised[cost],
    deployable: accounting.deployable[cost],
  });
  return { params: pick('params'), macs: pick('macs') };
}

const layerRank = ({ name, rank, fullRank, breakEvenRank, fading }: LayerSpectrum): LayerRank => ({
  name,
  rank,
  fullRank,
  breakEvenRank,
  fading,
});

type CommandOf<T extends CommandType> = Extract<Command, { type: T }>;

/** Every state in which a job exists. */
const JOB_EXISTS: readonly RunState[] = ['ready', 'running', 'paused', 'finished'];

export class TrainingSession {
  private dataset: ImageDataset | null = null;
  private trainer: Trainer | null = null;
  /** dense twin of a low-rank job, stepped in lockstep for comparison */
  private baseline: Trainer | null = null;
  private state: RunState = 'idle';
  private tail: Promise<unknown> = Promise.resolve();
  private looping = false;
  private lastFlush = 0;
  /** when the test slice may next be evaluated */
  private nextSliceAt = 0;

  constructor(
    private readonly port: SessionPort,
    private readonly services: SessionServices,
  ) {}

  /** Entry point for every incoming message; never throws (errors become error events). */
  receive(message: unknown): Promise<void> {
    let command: Command;
    try {
      command = parseCommand(message);
    } catch (error) {
      this.fail(error);
      return Promise.resolve();
    }
    return this.exclusive(() => this.handle(command)).catch((error) =>
      this.fail(error, command.type),
    );
  }

  get runState(): RunState {
    return this.state;
  }

  /** Commands and steps run one at a time, in arrival order. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    this.tail = result.catch(() => undefined);
    return result;
  }

  private fail(error: unknown, command?: Command['type']): void {
    const message = error instanceof Error ? error.message : String(error);
    this.port.post({
      type: 'error',
      message,
      command: error instanceof CommandError ? (error.command ?? command) : command,
    });
  }

  private setState(state: RunState): void {
    this.state = state;
    this.port.post({
      type: 'state',
      state,
      step: this.trainer?.step ?? 0,
      epoch: this.trainer?.epoch ?? 0,
    });
  }

  private requireJob(command: Command['type'], allowed: readonly RunState[]): Trainer {
    if (!this.trainer || !allowed.includes(this.state)) {
      const why = this.trainer ? `the job is ${this.state}` : 'no job is configured';
      throw new CommandError(`'${command}' is not possible now: ${why}`, command);
    }
    return this.trainer;
  }

  /** One handler per command: each command's rules live in one place. */
  private readonly handlers: { [T in CommandType]: (command: CommandOf<T>) => Promise<void> } = {
    init: (command) => this.init(command),
    loadDataset: (command) => this.loadDataset(command),
    listDatasetCache: () => this.postCache(),
    clearDatasetCache: async () => {
      await this.services.clearCache();
      await this.postCache();
    },
    configure: (command) => this.configure(command),
    restore: (command) => this.restore(command),
    start: async (command) => {
      this.requireJob(command.type, ['ready']);
      this.startLoop();
    },
    resume: async (command) => {
      this.requireJob(command.type, ['paused']);
      this.startLoop();
    },
    pause: async (command) => {
      this.requireJob(command.type, ['running']);
      await this.flushAll();
      this.setState('paused');
    },
    step: async (command) => {
      const trainer = this.requireJob(command.type, ['ready', 'paused']);
      await this.stepOnce(trainer, true);
      if (this.state === 'ready') this.setState('paused');
    },
    stop: async (command) => {
      this.requireJob(command.type, ['running', 'paused', 'ready']);
      await this.flushAll();
      this.setState('finished');
    },
    reset: async () => {
      this.disposeJob();
      this.setState('idle');
    },
    setHyperparameters: (command) => this.setHyperparameters(command),
    pruneNow: async (command) => {
      const trainer = this.requireJob(command.type, JOB_EXISTS);
      await trainer.pruneNow();
      await this.reportPruning(trainer);
    },
    evaluate: async (command) => {
      await this.evaluateAndPost(this.requireJob(command.type, JOB_EXISTS), 'main', 'full');
    },
    checkpoint: (command) => this.postCheckpoint(command),
    export: (command) => this.exportModel(command),
  };

  private handle(command: Command): Promise<void> {
    const handler = this.handlers[command.type] as (command: Command) => Promise<void>;
    return handler(command);
  }

  private async init(command: CommandOf<'init'>): Promise<void> {
    if (this.trainer)
      throw new CommandError('reset the job before choosing the backend again', command.type);
    const choice = await this.services.selectBackend(
      command.preferred,
      command.remembered,
      (message) => this.port.post({ type: 'backendProgress', message }),
    );
    const gradientCheck = await this.services.gradientCheck();
    this.port.post({
      type: 'ready',
      ...choice,
      tfVersion: this.services.tfVersion,
      gradientCheck,
    });
    await this.postCache();
  }

  private async postCache(): Promise<void> {
    this.port.post({
      type: 'datasetCache',
      entries: await this.services.listCache().catch(() => []),
    });
  }

  private async loadDataset(command: CommandOf<'loadDataset'>): Promise<void> {
    if (this.state === 'running')
      throw new CommandError('pause or stop the run before changing the dataset', command.type);
    const { loadId } = command;
    let settled = false;
    const loaded = await this.services
      .loadDataset(command.source, (phase, loadedBytes, totalBytes) => {
        // a reader may still report after the load failed: say nothing more about it
        if (!settled)
          this.port.post({ type: 'datasetProgress', loadId, phase, loadedBytes, totalBytes });
      })
      .catch((error: unknown) => {
        settled = true;
        this.port.post({
          type: 'error',
          message: error instanceof Error ? error.message : String(error),
          command: command.type,
          loadId,
        });
        return null;
      });
    settled = true;
    if (!loaded) return;
    // Only a successful load replaces the dataset: a bad file loses nothing.
    this.dataset = loaded.dataset;
    this.port.post({
      type: 'datasetLoaded',
      loadId,
      summary: { ...describeDataset(loaded.dataset), fromCache: loaded.fromCache },
    });
    await this.postCache();
  }

  private async configure(command: CommandOf<'configure'>): Promise<void> {
    if (!this.dataset)
      throw new CommandError('load a dataset before configuring a job', command.type);
    if (this.state === 'running')
      throw new CommandError('pause or stop the run before configuring a new job', command.type);
    const config: TrainConfig = { ...DEFAULT_CONFIG, ...command.config };
    const trainer = new Trainer(this.dataset, config, command.limits ?? {});
    const baseline =
      command.compareWithDense && config.mode === 'lowrank'
        ? new Trainer(this.dataset, { ...config, mode: 'dense' }, command.limits ?? {})
        : null;
    this.replaceJob(trainer, baseline);
  }

  private async restore(command: CommandOf<'restore'>): Promise<void> {
    if (!this.dataset)
      throw new CommandError('load the dataset the checkpoint was trained on first', command.type);
    if (this.state === 'running')
      throw new CommandError('pause or stop the run before restoring', command.type);
    this.replaceJob(Trainer.restore(this.dataset, command.checkpoint), null);
  }

  private async setHyperparameters(command: CommandOf<'setHyperparameters'>): Promise<void> {
    const trainer = this.requireJob(command.type, JOB_EXISTS);
    await trainer.setHyperparameters(command.values);
    // the baseline follows the same recipe (it ignores the low-rank terms)
    await this.baseline?.setHyperparameters(command.values);
    this.port.post({ type: 'hyperparameters', config: { ...trainer.config } });
    await this.reportPruning(trainer);
  }

  private async postCheckpoint(command: CommandOf<'checkpoint'>): Promise<void> {
    const checkpoint = await this.requireJob(command.type, JOB_EXISTS).checkpoint();
    const buffers = [
      ...checkpoint.variables.map((v) => v.values.buffer),
      ...checkpoint.optimiser.slots.map((s) => s.values.buffer),
    ] as ArrayBuffer[];
    this.port.post({ type: 'checkpoint', checkpoint }, buffers);
  }

  private async exportModel(command: CommandOf<'export'>): Promise<void> {
    const trainer = this.requireJob(command.type, JOB_EXISTS);
    const { report, files } = await exportJob(trainer, this.dataset!.name);
    this.port.post({ type: 'export', report, modelJson: files.modelJson, weights: files.weights }, [
      files.weights,
    ]);
    this.port.post({ type: 'inferenceTiming', timing: await timeInference(trainer) });
  }

  private disposeJob(): void {
    this.trainer?.dispose();
    this.baseline?.dispose();
    this.trainer = null;
    this.baseline = null;
  }

  private replaceJob(trainer: Trainer, baseline: Trainer | null): void {
    this.disposeJob();
    this.trainer = trainer;
    this.baseline = baseline;
    const accounting = trainer.accounting();
    this.port.post({
      type: 'configured',
      config: { ...trainer.config },
      stepsPerEpoch: trainer.stepsPerEpoch,
      layers: accounting.layers.map((l) => ({
        name: l.name,
        rank: l.rank,
        fullRank: l.fullRank,
        breakEvenRank: l.breakEvenRank,
        fading: 0,
      })),
      ...costSummaries(accounting),
    });
    this.setState(trainer.step > 0 ? 'paused' : 'ready');
    void this.postSpectra(trainer);
  }

  private startLoop(): void {
    this.trainer?.resetStepTiming();
    this.baseline?.resetStepTiming();
    this.lastFlush = performance.now();
    this.nextSliceAt = this.lastFlush + SLICE_INTERVAL_MS;
    this.setState('running');
    void this.runLoop();
  }

  private async runLoop(): Promise<void> {
    if (this.looping) return;
    this.looping = true;
    try {
      while (this.state === 'running' && this.trainer) {
        const trainer = this.trainer;
        await this.exclusive(async () => {
          // a command queued before this step may have paused, stopped or replaced the job
          if (this.state !== 'running' || this.trainer !== trainer) return;
          await this.stepOnce(trainer, false);
        });
        await yieldToEvents();
      }
    } catch (error) {
      this.fail(error);
      if (this.state === 'running') this.setState('paused');
    } finally {
      this.looping = false;
    }
  }

  private async stepOnce(trainer: Trainer, flush: boolean): Promise<void> {
    const { endOfEpoch } = trainer.trainStep();
    const baseline = this.baseline;
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
    await trainer.pruneIfDue();
    await this.reportPruning(trainer);
    if (!endOfEpoch && !flush && performance.now() >= this.nextSliceAt) await this.evaluateSlices();
    if (baseline && baselineEnd) this.postEpoch(await baseline.endEpoch(), 'baseline');
    if (endOfEpoch) {
      this.postEpoch(await trainer.endEpoch(), 'main');
      if (trainer.epoch >= trainer.config.epochs) this.setState('finished');
    }
  }

  /**
   * Accuracy on the test slice, for the job and its baseline: a point on the accuracy chart every
   * few seconds, long before the first epoch ends. Waits longer after a slow evaluation.
   */
  private async evaluateSlices(): Promise<void> {
    const started = performance.now();
    await this.flushAll();
    if (this.trainer) await this.evaluateAndPost(this.trainer, 'main', 'slice');
    if (this.baseline) await this.evaluateAndPost(this.baseline, 'baseline', 'slice');
    const took = performance.now() - started;
    this.nextSliceAt = performance.now() + Math.max(SLICE_INTERVAL_MS, took / SLICE_TIME_SHARE);
    this.trainer?.resetStepTiming();
    this.baseline?.resetStepTiming();
  }

  private async evaluateAndPost(
    trainer: Trainer,
    run: RunName,
    scope: 'slice' | 'full',
  ): Promise<void> {
    const { accuracy, loss, count } = await trainer.evaluate(
      scope === 'slice' ? TEST_SLICE_IMAGES : undefined,
    );
    this.port.post({
      type: 'evaluation',
      run,
      scope,
      step: trainer.step,
      count,
      testAccuracy: accuracy,
      testLoss: loss,
    });
  }

  private async flushAll(): Promise<void> {
    if (this.trainer) await this.flushSteps(this.trainer, 'main');
    if (this.baseline) await this.flushSteps(this.baseline, 'baseline');
  }

  private async flushSteps(trainer: Trainer, run: RunName): Promise<void> {
    const metrics = await trainer.readStepMetrics();
    this.lastFlush = performance.now();
    if (metrics.length === 0) return;
    const bad = metrics.find((m) => !Number.isFinite(m.total));
    if (bad) {
      this.port.post({
        type: 'warning',
        message: `the ${run === 'main' ? '' : 'baseline '}loss became NaN or infinite at step ${bad.step}: lower the learning rate or the regulariser weights`,
      });
    }
    const series = toSeries(metrics);
    this.port.post({ type: 'steps', run, series }, seriesBuffers(series));
  }

  private postEpoch(report: EpochReport, run: RunName): void {
    const { accounting } = report;
    const summary: EpochSummary = {
      epoch: report.epoch,
      step: report.step,
      testAccuracy: report.test.accuracy,
      testLoss: report.test.loss,
      testCount: report.test.count,
      size: report.size,
      ...costSummaries(accounting),
    };
    this.port.post({ type: 'epoch', run, summary });
    if (run === 'main') this.sendSpectra(report.step, report.spectra);
  }

  /** Reports the prune events not yet reported (scheduled, Prune now, a lowered cap or target). */
  private async reportPruning(trainer: Trainer): Promise<void> {
    const events = trainer.takePruneLog();
    if (events.length === 0) return;
    this.port.post({
      type: 'pruned',
      step: trainer.step,
      events,
      size: sizeKept(trainer.accounting()),
    });
    await this.postSpectra(trainer);
  }

  private async postSpectra(trainer: Trainer): Promise<void> {
    this.sendSpectra(trainer.step, await trainer.spectra());
  }

  private sendSpectra(step: number, spectra: LayerSpectrum[]): void {
    const values = spectra.map((layer) => layer.singularValues);
    this.port.post(
      { type: 'spectra', step, layers: spectra.map(layerRank), values },
      values.map((v) => v.buffer as ArrayBuffer),
    );
  }
}
