// The training session behind the worker: validates each command, owns the dataset and the job,
// runs the step loop, and streams events at a bounded rate. Free of worker globals (it talks
// through a port and injected services), so Node tests drive it exactly as the page does.
import { configProblems, DEFAULT_CONFIG, type TrainConfig } from '../config';
import { sizeKept } from '../lowrank/accounting';
import { datasetWarnings, describeDataset, type ImageDataset } from '../data/dataset';
import type {
  BackendName,
  CachedDataset,
  Command,
  CommandType,
  DatasetPhase,
  DatasetSource,
  EpochSummary,
  JobLimits,
  RememberedBackend,
  RunName,
  RunState,
  SkippedBackend,
  WorkerEvent,
} from '../protocol';
import { TEST_SLICE_IMAGES } from '../protocol';
import { decodeCheckpoint, encodeCheckpoint } from '../train/checkpointFile';
import { jobTooLarge } from '../train/resources';
import { Trainer, type EpochReport, type LayerSpectrum } from '../train/trainer';
import { exportJob, timeInference } from '../train/exporter';
import type { AutosaveStore } from './autosave';
import { cacheKey } from './datasetLoader';
import { RunJournal } from './runJournal';
import { toSeries } from '../train/stepSeries';
import { costSummaries, layerRank, seriesBuffers, yieldToEvents } from './sessionEvents';
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
  /** where the running job is saved for a reload or crash */
  autosave: AutosaveStore;
  /** the TF.js engine's tensors and bytes, and the wasm heap's size where wasm runs */
  memory(): { tensors: number; bytes: number; heapBytes: number | null };
}

/** Step metrics are sent at most this often (about 10 messages a second). */
export const FLUSH_INTERVAL_MS = 100;

/** The test slice (TEST_SLICE_IMAGES, one batch) is evaluated at most this often... */
export const SLICE_INTERVAL_MS = 2000;
/** ...and at most this share of the time, so a slow network is not slowed further by it. */
const SLICE_TIME_SHARE = 0.1;

/** A running job is autosaved at every epoch end, on Pause, and at least this often. */
export const AUTOSAVE_INTERVAL_MS = 2 * 60 * 1000;

/** The events a job's history keeps: its configuration and what the charts draw. */
const CHART_EVENTS = new Set<WorkerEvent['type']>([
  'configured',
  'steps',
  'epoch',
  'spectra',
  'pruned',
  'evaluation',
]);

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
  /** the loaded dataset as a source a resumed run can load again (builtin, or by cache key) */
  private datasetSource: DatasetSource | null = null;
  /** the job's image limits and comparison, for its autosave */
  private jobLimits: JobLimits = {};
  /** everything the charts showed of the job, at full resolution */
  private journal = new RunJournal();
  private lastAutosaveAt = 0;
  /** the step of the job's last autosave, if any */
  private autosavedStep: number | null = null;
  /** the step where the loss became non-finite; the job cannot go on from there */
  private divergedAt: number | null = null;
  /** the backend chosen at init, for the job size guard */
  private backend: BackendName = 'cpu';
  /** a job's network is being built; a Reset arriving meanwhile cancels it */
  private building = false;
  private buildCancelled = false;

  constructor(
    private readonly port: SessionPort,
    private readonly services: SessionServices,
  ) {}

  /** Entry point for every incoming message; never throws (errors become error events). */
  receive(message: unknown): Promise<void> {
    // a Reset must reach a build in progress at once, not wait behind it in the queue
    if (this.building && (message as { type?: unknown })?.type === 'reset')
      this.buildCancelled = true;
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

  /** Posts an event; a job's chart events also go into its history. */
  private post(event: WorkerEvent, transfer: Transferable[] = []): void {
    if (this.trainer && CHART_EVENTS.has(event.type)) this.journal.record(event);
    this.port.post(event, transfer);
  }

  private fail(error: unknown, command?: Command['type']): void {
    const message = error instanceof Error ? error.message : String(error);
    this.post({
      type: 'error',
      message,
      command: error instanceof CommandError ? (error.command ?? command) : command,
    });
  }

  private setState(state: RunState): void {
    this.state = state;
    this.post({
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
      this.requireHealthyJob(command.type, ['ready']);
      this.startLoop();
    },
    resume: async (command) => {
      this.requireHealthyJob(command.type, ['paused']);
      this.startLoop();
    },
    pause: async (command) => {
      this.requireJob(command.type, ['running']);
      await this.flushAll();
      // saved before it says paused: a reload right after a Pause loses nothing
      this.state = 'paused';
      await this.autosave();
      this.setState('paused');
    },
    step: async (command) => {
      const trainer = this.requireHealthyJob(command.type, ['ready', 'paused']);
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
    resumeSaved: (command) => this.resumeSaved(command),
    memoryReport: async () => {
      // step metrics waiting to be read are tensors too: count after reading them
      await this.flushAll();
      this.post({ type: 'memory', ...this.services.memory() });
    },
    discardSaved: async () => {
      await this.services.autosave.discard();
      this.post({ type: 'savedRun', run: null });
    },
  };

  /** requireJob, and the job has not diverged. */
  private requireHealthyJob(command: CommandType, allowed: readonly RunState[]): Trainer {
    const trainer = this.requireJob(command, allowed);
    if (this.divergedAt !== null)
      throw new CommandError(
        `the run diverged at step ${this.divergedAt} (the loss became NaN or infinite): go back to its last autosave, or reset`,
        command,
      );
    return trainer;
  }

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
      (message) => this.post({ type: 'backendProgress', message }),
    );
    const gradientCheck = await this.services.gradientCheck();
    this.backend = choice.backend;
    this.post({
      type: 'ready',
      ...choice,
      tfVersion: this.services.tfVersion,
      gradientCheck,
    });
    await this.postCache();
    const saved = await this.services.autosave.summary().catch(() => null);
    this.post({ type: 'savedRun', run: saved });
  }

  private async postCache(): Promise<void> {
    this.post({
      type: 'datasetCache',
      entries: await this.services.listCache().catch(() => []),
    });
  }

  private async loadDataset(command: CommandOf<'loadDataset'>): Promise<void> {
    if (this.state === 'running')
      throw new CommandError('pause or stop the run before changing the dataset', command.type);
    const { loadId } = command;
    let settled = false;
    const loaded = await (
      command.prepared
        ? Promise.resolve({ dataset: command.prepared, fromCache: false })
        : this.services.loadDataset(command.source, (phase, loadedBytes, totalBytes) => {
            // a reader may still report after the load failed: say nothing more about it
            if (!settled)
              this.post({ type: 'datasetProgress', loadId, phase, loadedBytes, totalBytes });
          })
    ).catch((error: unknown) => {
      settled = true;
      this.post({
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
    this.datasetSource =
      command.source.kind === 'builtin'
        ? command.source
        : { kind: 'cached', key: cacheKey(command.source)!, name: loaded.dataset.name };
    this.post({
      type: 'datasetLoaded',
      loadId,
      summary: { ...describeDataset(loaded.dataset), fromCache: loaded.fromCache },
      source: this.datasetSource,
    });
    const warnings = datasetWarnings(loaded.dataset);
    if (warnings.length)
      this.post({ type: 'warning', message: `${loaded.dataset.name}: ${warnings.join('; ')}` });
    await this.postCache();
  }

  private async configure(command: CommandOf<'configure'>): Promise<void> {
    if (!this.dataset)
      throw new CommandError('load a dataset before configuring a job', command.type);
    if (this.state === 'running')
      throw new CommandError('pause or stop the run before configuring a new job', command.type);
    const config: TrainConfig = { ...DEFAULT_CONFIG, ...command.config };
    const problems = configProblems(config);
    if (problems.length) throw new CommandError(problems.join('; '), command.type);
    const limits = command.limits ?? {};
    const compare = command.compareWithDense === true && config.mode === 'lowrank';
    const tooLarge = jobTooLarge(
      compare ? { ...config, batchSize: 2 * config.batchSize } : config,
      this.dataset.classNames.length,
      this.backend,
    );
    if (tooLarge) throw new CommandError(tooLarge, command.type);
    const trainer = await this.build(config, limits);
    const baseline = compare
      ? await this.build({ ...config, mode: 'dense' }, limits).catch((error: unknown) => {
          trainer.dispose();
          throw error;
        })
      : null;
    this.replaceJob(trainer, baseline);
    this.jobLimits = limits;
    if (command.start) this.startLoop();
  }

  /** A trainer built a block at a time, reporting progress; Reset cancels it meanwhile. */
  private async build(config: TrainConfig, limits: JobLimits): Promise<Trainer> {
    this.buildCancelled = false;
    this.building = true;
    try {
      return await Trainer.create(this.dataset!, config, limits, {
        onStep: (done, total, name) => this.post({ type: 'building', done, total, name }),
        cancelled: () => this.buildCancelled,
        pause: yieldToEvents,
      });
    } finally {
      this.building = false;
    }
  }

  private async restore(command: CommandOf<'restore'>): Promise<void> {
    if (!this.dataset)
      throw new CommandError('load the dataset the checkpoint was trained on first', command.type);
    if (this.state === 'running')
      throw new CommandError('pause or stop the run before restoring', command.type);
    this.replaceJob(Trainer.restore(this.dataset, command.checkpoint), null);
    this.jobLimits = { ...command.checkpoint.options };
  }

  /** The autosaved run, exactly where it stopped: dataset, settings, charts, training state. */
  private async resumeSaved(command: CommandOf<'resumeSaved'>): Promise<void> {
    if (this.state === 'running')
      throw new CommandError('pause or stop the run before resuming another', command.type);
    const saved = await this.services.autosave.load();
    if (!saved) throw new CommandError('there is no saved run to resume', command.type);
    await this.loadDataset({ type: 'loadDataset', source: saved.dataset, loadId: command.loadId });
    if (!this.dataset || this.datasetSource?.kind !== saved.dataset.kind)
      throw new CommandError(
        'the saved run could not be resumed: its dataset did not load',
        command.type,
      );
    const checkpoint = decodeCheckpoint(saved.checkpoint);
    if (command.lowerLearningRate) checkpoint.config.learningRate /= 2;
    const baseline = saved.baselineCheckpoint ? decodeCheckpoint(saved.baselineCheckpoint) : null;
    if (baseline && command.lowerLearningRate) baseline.config.learningRate /= 2;
    const trainer = Trainer.restore(this.dataset, checkpoint);
    this.replaceJob(trainer, baseline ? Trainer.restore(this.dataset, baseline) : null);
    this.jobLimits = saved.limits;
    const configured = this.journal.job;
    this.journal = RunJournal.from(saved.history);
    this.journal.job ??= configured;
    this.autosavedStep = saved.summary.step;
    this.port.post({ type: 'history', history: saved.history });
    await this.postSpectra(trainer);
    if (command.lowerLearningRate)
      this.post({ type: 'hyperparameters', config: { ...trainer.config } });
  }

  /**
   * Saves the job for a reload or a crash: its checkpoint (and its baseline's), its charts, its
   * dataset and limits. Never a diverged job: the last good save is what a divergence goes back to.
   */
  private async autosave(): Promise<void> {
    const trainer = this.trainer;
    if (!trainer || !this.datasetSource || this.divergedAt !== null || trainer.step === 0) return;
    this.lastAutosaveAt = performance.now();
    const { architecture, mode, epochs } = trainer.config;
    await this.services.autosave
      .save({
        summary: {
          savedAt: new Date().toISOString(),
          step: trainer.step,
          epoch: trainer.epoch,
          epochs,
          description: `${architecture} ${mode === 'lowrank' ? 'low-rank' : 'dense'} on ${this.dataset?.name ?? 'its dataset'}`,
        },
        dataset: this.datasetSource,
        limits: this.jobLimits,
        checkpoint: encodeCheckpoint(await trainer.checkpoint()),
        baselineCheckpoint: this.baseline
          ? encodeCheckpoint(await this.baseline.checkpoint())
          : null,
        ...this.journal.chunkedHistory(),
      })
      .then(() => {
        this.autosavedStep = trainer.step;
      })
      // storage full or blocked: training goes on, the page keeps the last save it was told of
      .catch(() => undefined);
  }

  private async setHyperparameters(command: CommandOf<'setHyperparameters'>): Promise<void> {
    const trainer = this.requireJob(command.type, JOB_EXISTS);
    await trainer.setHyperparameters(command.values);
    // the baseline follows the same recipe (it ignores the low-rank terms)
    await this.baseline?.setHyperparameters(command.values);
    this.post({ type: 'hyperparameters', config: { ...trainer.config } });
    await this.reportPruning(trainer);
  }

  private async postCheckpoint(command: CommandOf<'checkpoint'>): Promise<void> {
    const checkpoint = await this.requireHealthyJob(command.type, JOB_EXISTS).checkpoint();
    const buffers = [
      ...checkpoint.variables.map((v) => v.values.buffer),
      ...checkpoint.optimiser.slots.map((s) => s.values.buffer),
    ] as ArrayBuffer[];
    this.post({ type: 'checkpoint', checkpoint }, buffers);
  }

  private async exportModel(command: CommandOf<'export'>): Promise<void> {
    const trainer = this.requireHealthyJob(command.type, JOB_EXISTS);
    const { report, files } = await exportJob(trainer, this.dataset!.name);
    this.post(
      {
        type: 'export',
        report,
        modelJson: files.modelJson,
        weights: files.weights,
        history: this.journal.history(),
      },
      [files.weights],
    );
    this.post({ type: 'inferenceTiming', timing: await timeInference(trainer) });
  }

  private disposeJob(): void {
    this.trainer?.dispose();
    this.baseline?.dispose();
    this.trainer = null;
    this.baseline = null;
    this.journal = new RunJournal();
    this.divergedAt = null;
    this.autosavedStep = null;
  }

  private replaceJob(trainer: Trainer, baseline: Trainer | null): void {
    this.disposeJob();
    this.trainer = trainer;
    this.baseline = baseline;
    const accounting = trainer.accounting();
    this.post({
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
    this.lastAutosaveAt = performance.now();
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
    if (this.divergedAt !== null) {
      if (this.state === 'running') this.setState('paused');
      return;
    }
    await trainer.pruneIfDue();
    await this.reportPruning(trainer);
    if (!endOfEpoch && !flush && performance.now() >= this.nextSliceAt) await this.evaluateSlices();
    if (baseline && baselineEnd) this.postEpoch(await baseline.endEpoch(), 'baseline');
    if (endOfEpoch) {
      this.postEpoch(await trainer.endEpoch(), 'main');
      if (trainer.epoch >= trainer.config.epochs) this.setState('finished');
      await this.autosave();
    } else if (performance.now() - this.lastAutosaveAt >= AUTOSAVE_INTERVAL_MS) {
      await this.autosave();
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
    this.post({
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
    const series = toSeries(metrics);
    this.post({ type: 'steps', run, series }, seriesBuffers(series));
    const bad = metrics.find((m) => !Number.isFinite(m.total));
    if (bad && this.divergedAt === null) {
      // stop at once: every further step would only spread NaN through the weights
      this.divergedAt = bad.step;
      this.post({ type: 'diverged', run, step: bad.step, autosaveStep: this.autosavedStep });
    }
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
    this.post({ type: 'epoch', run, summary });
    if (run === 'main') this.sendSpectra(report.step, report.spectra);
  }

  /** Reports the prune events not yet reported (scheduled, Prune now, a lowered cap or target). */
  private async reportPruning(trainer: Trainer): Promise<void> {
    const events = trainer.takePruneLog();
    if (events.length === 0) return;
    this.post({
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
    this.post(
      { type: 'spectra', step, layers: spectra.map(layerRank), values },
      values.map((v) => v.buffer as ArrayBuffer),
    );
  }
}
