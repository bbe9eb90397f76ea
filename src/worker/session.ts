// The training session behind the worker: validates each command, owns the dataset and the job
// (configure, build, restore, resume, autosave); runLoop.ts steps it and reports at a bounded rate. Free of worker globals (it talks
// through a port and injected services), so Node tests drive it exactly as the page does.
import type {
  BackendName,
  Command,
  CommandType,
  JobLimits,
  RunState,
  WorkerEvent,
} from '../protocol';
import { decodeCheckpoint } from '../train/checkpointFile';
import { Trainer } from '../train/trainer';
import { timeInference } from '../train/exporter';
import { RunJournal } from './runJournal';
import { buildJob } from './jobBuild';
import { RunLoop } from './runLoop';
import { SessionDataset } from './sessionDataset';
import { configuredEvent, exportEvent, savedRun, yieldToEvents } from './sessionEvents';
import type { SessionPort, SessionServices } from './sessionServices';
import { TryModels } from './tryModels';
import { CommandError, parseCommand } from './validateCommand';

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
  private trainer: Trainer | null = null;
  /** dense twin of a low-rank job, stepped in lockstep for comparison */
  private baseline: Trainer | null = null;
  private state: RunState = 'idle';
  private tail: Promise<unknown> = Promise.resolve();
  /** the job's image limits and comparison, for its autosave */
  private jobLimits: JobLimits = {};
  /** everything the charts showed of the job, at full resolution */
  private journal = new RunJournal();
  /** the last step a runEnded event covered */
  private endedAtStep = 0;
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
  private readonly data = new SessionDataset(
    () => this.services,
    (event) => this.post(event),
  );
  /** Try it: the job's network (between steps) and an exported model loaded back */
  private readonly tryModels = new TryModels();
  private readonly loop = new RunLoop({
    runState: () => this.state,
    setState: (state) => this.setState(state),
    post: (event, transfer) => this.post(event, transfer),
    exclusive: (work) => this.exclusive(work),
    fail: (error) => this.fail(error),
    trainer: () => this.trainer,
    baseline: () => this.baseline,
    divergedAt: () => this.divergedAt,
    diverged: (run, step) => {
      this.divergedAt = step;
      this.post({ type: 'diverged', run, step, autosaveStep: this.autosavedStep });
    },
    autosave: () => this.autosave(),
    autosaveIfDue: async () => {
      if (performance.now() - this.lastAutosaveAt >= AUTOSAVE_INTERVAL_MS) await this.autosave();
    },
  });

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
    // a cancel must reach the load it stops, not wait behind it in the queue
    if (command.type === 'cancelDatasetLoad') {
      this.data.cancel(command.loadId);
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
    if (state === 'finished' && this.state !== 'finished') this.postRunEnded();
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
    cancelDatasetLoad: async (command) => this.data.cancel(command.loadId),
    listDatasetCache: () => this.data.postCache(),
    clearDatasetCache: async () => {
      await this.services.clearCache();
      await this.data.postCache();
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
      await this.loop.flushAll();
      // saved before it says paused: a reload right after a Pause loses nothing
      this.state = 'paused';
      await this.autosave();
      this.setState('paused');
    },
    step: async (command) => {
      const trainer = this.requireHealthyJob(command.type, ['ready', 'paused']);
      await this.loop.stepOnce(trainer, true);
      if (this.state === 'ready') this.setState('paused');
    },
    stop: async (command) => {
      this.requireJob(command.type, ['running', 'paused', 'ready']);
      await this.loop.flushAll();
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
      await this.loop.reportPruning(trainer);
    },
    evaluate: async (command) => {
      await this.loop.evaluateAndPost(this.requireJob(command.type, JOB_EXISTS), 'main', 'full');
    },
    checkpoint: (command) => this.postCheckpoint(command),
    export: (command) => this.exportModel(command),
    predict: async (command) => this.post(await this.predict(command)),
    loadModel: async (command) => this.post(await this.tryModels.load(command.name, command.zip)),
    resumeSaved: (command) => this.resumeSaved(command),
    memoryReport: async () => {
      // step metrics waiting to be read are tensors too: count after reading them
      await this.loop.flushAll();
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
    await this.data.postCache();
    const saved = await this.services.autosave.summary().catch(() => null);
    this.post({ type: 'savedRun', run: saved });
  }

  private async loadDataset(command: CommandOf<'loadDataset'>): Promise<void> {
    if (this.state === 'running')
      throw new CommandError('pause or stop the run before changing the dataset', command.type);
    await this.data.load(command);
  }

  private async configure(command: CommandOf<'configure'>): Promise<void> {
    if (!this.data.dataset)
      throw new CommandError('load a dataset before configuring a job', command.type);
    if (this.state === 'running')
      throw new CommandError('pause or stop the run before configuring a new job', command.type);
    this.buildCancelled = false;
    this.building = true;
    const job = await buildJob(command, this.data.dataset, this.backend, {
      onStep: (done, total, name) => this.post({ type: 'building', done, total, name }),
      cancelled: () => this.buildCancelled,
      pause: yieldToEvents,
    }).finally(() => {
      this.building = false;
    });
    this.replaceJob(job.trainer, job.baseline);
    this.jobLimits = job.limits;
    if (command.start) this.startLoop();
  }

  private async restore(command: CommandOf<'restore'>): Promise<void> {
    if (!this.data.dataset)
      throw new CommandError('load the dataset the checkpoint was trained on first', command.type);
    if (this.state === 'running')
      throw new CommandError('pause or stop the run before restoring', command.type);
    this.replaceJob(Trainer.restore(this.data.dataset, command.checkpoint), null);
    this.jobLimits = { ...command.checkpoint.options };
  }

  /** The autosaved run, exactly where it stopped: dataset, settings, charts, training state. */
  private async resumeSaved(command: CommandOf<'resumeSaved'>): Promise<void> {
    if (this.state === 'running')
      throw new CommandError('pause or stop the run before resuming another', command.type);
    const saved = await this.services.autosave.load();
    if (!saved) throw new CommandError('there is no saved run to resume', command.type);
    await this.loadDataset({ type: 'loadDataset', source: saved.dataset, loadId: command.loadId });
    if (!this.data.dataset || this.data.source?.kind !== saved.dataset.kind)
      throw new CommandError(
        'the saved run could not be resumed: its dataset did not load',
        command.type,
      );
    const checkpoint = decodeCheckpoint(saved.checkpoint);
    if (command.lowerLearningRate) checkpoint.config.learningRate /= 2;
    const baseline = saved.baselineCheckpoint ? decodeCheckpoint(saved.baselineCheckpoint) : null;
    if (baseline && command.lowerLearningRate) baseline.config.learningRate /= 2;
    const trainer = Trainer.restore(this.data.dataset, checkpoint);
    this.replaceJob(trainer, baseline ? Trainer.restore(this.data.dataset, baseline) : null);
    this.jobLimits = saved.limits;
    const configured = this.journal.job;
    this.journal = RunJournal.from(saved.history);
    this.journal.job ??= configured;
    this.autosavedStep = saved.summary.step;
    this.port.post({ type: 'history', history: saved.history });
    await this.loop.postSpectra(trainer);
    if (command.lowerLearningRate)
      this.post({ type: 'hyperparameters', config: { ...trainer.config } });
  }

  /**
   * Saves the job for a reload or a crash: its checkpoint (and its baseline's), its charts, its
   * dataset and limits. Never a diverged job: the last good save is what a divergence goes back to.
   */
  private async autosave(): Promise<void> {
    const trainer = this.trainer;
    if (!trainer || !this.data.source || this.divergedAt !== null || trainer.step === 0) return;
    this.lastAutosaveAt = performance.now();
    const dataset = { source: this.data.source, name: this.data.dataset?.name };
    const job = { trainer, baseline: this.baseline, limits: this.jobLimits, journal: this.journal };
    await this.services.autosave
      .save(await savedRun(job, dataset))
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
    await this.loop.reportPruning(trainer);
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
    const event = await exportEvent(trainer, this.data.dataset!.name, this.journal);
    this.post(event, [event.weights]);
    this.post({ type: 'inferenceTiming', timing: await timeInference(trainer) });
  }

  private predict(command: CommandOf<'predict'>) {
    if (command.target === 'loaded') return this.tryModels.predictLoaded(command);
    const trainer = this.requireHealthyJob(command.type, JOB_EXISTS);
    return this.tryModels.predictJob(command, trainer, this.baseline);
  }

  /** The job's whole history, once per run, for the page's run library. */
  private postRunEnded(): void {
    const trainer = this.trainer;
    if (!trainer || this.journal.lastStep <= this.endedAtStep) return;
    this.endedAtStep = this.journal.lastStep;
    const ended = trainer.epoch >= trainer.config.epochs ? 'finished' : 'stopped';
    this.post({ type: 'runEnded', history: this.journal.history(), ended });
  }

  private disposeJob(): void {
    // a run reset or replaced before its end is kept as far as it went
    if (this.state !== 'finished') this.postRunEnded();
    this.endedAtStep = 0;
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
    this.post(configuredEvent(trainer));
    this.setState(trainer.step > 0 ? 'paused' : 'ready');
    void this.loop.postSpectra(trainer);
  }

  private startLoop(): void {
    this.lastAutosaveAt = performance.now();
    this.loop.start();
  }
}
