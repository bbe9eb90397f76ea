// The only owner of the training Worker (CONTRIBUTING.md): turns every WorkerEvent into a store
// update, and user actions into Commands.
import type { TrainConfig } from '../config';
import { LIVE_KNOBS, type KnobName } from '../config';
import { BUILTIN_DEFAULTS } from '../data/builtin';
import { datasetBuffers, type ImageDataset } from '../data/dataset';
import { prefetchBuiltin } from './prefetch';
import { PRESET_LIMITS, presetConfig, type PresetName } from '../presets';
import type { BackendName, Command, DatasetSource, RunHistory, WorkerEvent } from '../protocol';
import { useStudio } from '../store/store';
import { decodeCheckpoint, encodeCheckpoint } from '../train/checkpointFile';
import {
  browserStorage,
  forgetBackend,
  loadLastDataset,
  loadRememberedBackend,
  rememberBackend,
  rememberLastDataset,
} from './browserMemory';
import { downloadBytes, modelZip } from './download';
import { recipeFor } from '../recipe';
import { studioRunLog } from '../runLog';
import { concatSeries } from '../train/stepSeries';
import { installTestHook, memoryReported } from './testHook';
import { workerName } from '../worker/threads';

let worker: Worker | null = null;
/** the dataset load whose events the page follows; events of other loads are stale */
let currentLoad: number | null = null;
let loadCount = 0;
/** the automatic load of last time's dataset, which falls back to the built-in set */
let fallbackLoad: number | null = null;
/** the next configured job's settings replace the page's (a restore or resume) */
let adoptJobSettings = false;
/** a Start was sent and its job is not configured yet: further clicks are the same Start */
let starting = false;

const BUILTIN_SOURCE = { kind: 'builtin', ...BUILTIN_DEFAULTS } as const satisfies DatasetSource;
/** the built-in set, generated beside the training worker's start-up, until a load takes it */
let builtinPrefetch: Promise<ImageDataset | null> | null = null;

function isDefaultBuiltin(source: DatasetSource): boolean {
  return (
    source.kind === 'builtin' &&
    (Object.keys(BUILTIN_DEFAULTS) as (keyof typeof BUILTIN_DEFAULTS)[]).every(
      (key) => source[key] === BUILTIN_DEFAULTS[key],
    )
  );
}

/** Puts a run's charts back (a resumed run, a run log): its steps at once, then its other events. */
export function replay(history: RunHistory): void {
  const store = useStudio.getState();
  for (const run of ['main', 'baseline'] as const) {
    const series = history.steps[run];
    if (series) store.addSteps(run, series);
  }
  for (const event of history.events) onEvent(event);
  if (history.spectra) onEvent(history.spectra);
}
/** a backend forced by the address (?backend=), which is never remembered */
let forcedBackend: BackendName | undefined;

/**
 * Step metrics arrive about ten times a second; the charts redraw at most this often, from all
 * the steps since their last redraw, so a slow redraw never lets messages pile up. A chart's
 * redraw is a task of tens of milliseconds on two busy cores: once a second, not twice, halves
 * the main thread's work and its garbage (docs/responsiveness.md).
 */
export const CHART_REDRAW_MS = 1000;

let pendingSteps: Extract<WorkerEvent, { type: 'steps' }>[] = [];
let redrawTimer: ReturnType<typeof setTimeout> | null = null;

/** Applies the queued step metrics to the store, one update per run. */
function drawPendingSteps(): void {
  if (redrawTimer !== null) clearTimeout(redrawTimer);
  redrawTimer = null;
  const queued = pendingSteps;
  pendingSteps = [];
  for (const run of ['main', 'baseline'] as const) {
    const series = queued.filter((e) => e.run === run).map((e) => e.series);
    if (series.length) useStudio.getState().addSteps(run, concatSeries(series));
  }
}

function onEvent(event: WorkerEvent): void {
  if (event.type === 'steps') {
    pendingSteps.push(event);
    redrawTimer ??= setTimeout(drawPendingSteps, CHART_REDRAW_MS);
    return;
  }
  // everything else is applied at once, after the steps that came before it
  if (pendingSteps.length) drawPendingSteps();
  const store = useStudio.getState();
  switch (event.type) {
    case 'ready': {
      store.setReady(event);
      if (!forcedBackend) rememberBackend(browserStorage(), event);
      if (store.dataset) return;
      // the dataset chosen last time, if it is in the cache; else the built-in set, which works
      // offline from the first second
      const last = loadLastDataset(browserStorage());
      if (last) {
        studioActions.loadDataset(last);
        fallbackLoad = currentLoad;
      } else studioActions.loadDataset(BUILTIN_SOURCE);
      return;
    }
    case 'savedRun':
      store.setSavedRun(event.run);
      return;
    case 'building':
      store.setBuilding(event);
      return;
    case 'memory':
      memoryReported(event);
      return;
    case 'history':
      replay(event.history);
      return;
    case 'diverged':
      store.setDivergence(event);
      return;
    case 'backendProgress':
      store.setBackendProgress(event.message);
      return;
    case 'datasetProgress':
      if (event.loadId === currentLoad) store.setDatasetLoading(event);
      return;
    case 'datasetLoaded':
      if (event.loadId !== currentLoad) return;
      currentLoad = null;
      store.setDataset(event.summary);
      rememberLastDataset(browserStorage(), event.source);
      return;
    case 'datasetCache':
      store.setDatasetCache(event.entries);
      return;
    case 'configured':
      starting = false;
      store.setBuilding(null);
      store.closeRunLogView();
      store.setJob(event);
      // a restored or resumed job brings its own settings: they become the page's
      if (adoptJobSettings) store.setPreset(null, event.config);
      adoptJobSettings = false;
      return;
    case 'state':
      store.setRunState(event);
      return;
    case 'epoch':
      store.addEpoch(event.run, event.summary);
      return;
    case 'spectra':
      store.setSpectra(event.step, event.layers, event.values);
      return;
    case 'pruned':
      store.addPruneEvents(event.step, event.events, event.size);
      return;
    case 'hyperparameters':
      store.setJobConfig(event.config);
      return;
    case 'evaluation':
      store.addEvaluation(event);
      return;
    case 'checkpoint':
      if (store.exporting === 'checkpoint') {
        const { architecture, mode } = event.checkpoint.config;
        downloadBytes(
          `${architecture}-${mode}-step${event.checkpoint.step}.lrckpt`,
          encodeCheckpoint(event.checkpoint),
        );
        store.setExporting(null);
      }
      return;
    case 'export': {
      const { report } = event;
      const { dataset, tfVersion, backend } = store;
      const runLog =
        event.history &&
        studioRunLog(event.history, {
          producer: `Low-rank studio (TF.js ${tfVersion ?? '?'}, ${backend ?? '?'})`,
          dataset: dataset
            ? {
                name: dataset.name,
                trainCount: dataset.train.count,
                testCount: dataset.test.count,
                classNames: dataset.classNames,
              }
            : { name: report.dataset },
        });
      downloadBytes(
        `${report.model}-${report.mode}-step${report.step}.zip`,
        modelZip(event.modelJson, event.weights, report, runLog),
        'application/zip',
      );
      store.setExportReport(report);
      return;
    }
    case 'inferenceTiming':
      store.setInferenceTiming(event.timing);
      return;
    case 'warning':
      store.setWarning(event.message);
      return;
    case 'error':
      if (event.command === 'restore' || event.command === 'resumeSaved') adoptJobSettings = false;
      if (event.command === 'configure') {
        starting = false;
        store.setBuilding(null);
      }
      if (event.loadId !== undefined) {
        // a failed load that was already given up is not news
        if (event.loadId !== currentLoad) return;
        currentLoad = null;
        if (event.loadId === fallbackLoad) {
          // last time's dataset is gone from the cache: say so, and start on the built-in set
          fallbackLoad = null;
          store.setWarning(event.message);
          studioActions.loadDataset(BUILTIN_SOURCE);
          return;
        }
      }
      store.setError({ message: event.message, command: event.command });
      return;
    default: {
      const unknown: never = event;
      throw new Error(`unknown worker event ${JSON.stringify(unknown)}`);
    }
  }
}

function send(command: Command, transfer: Transferable[] = []): void {
  if (!worker) throw new Error('the training worker has not been started');
  worker.postMessage(command, transfer);
}

/** Starts the worker once; `preferred` comes from the URL (?backend=webgl) for forcing one. */
export function startWorker(preferred?: BackendName, threads?: number): void {
  if (worker) return;
  forcedBackend = preferred;
  // the worker sizes its wasm thread pool as it loads, before any message: tell it by its name
  worker = new Worker(new URL('../worker/training.worker.ts', import.meta.url), {
    type: 'module',
    name: workerName(threads),
  });
  worker.onmessage = (message: MessageEvent<WorkerEvent>) => onEvent(message.data);
  worker.onerror = (error) =>
    useStudio.getState().setError({ message: `the training worker failed: ${error.message}` });
  const remembered = preferred ? undefined : loadRememberedBackend(browserStorage());
  send({ type: 'init', preferred, remembered });
  // the set the page will open on, unless last time's dataset is in the cache ('ready' below)
  if (!loadLastDataset(browserStorage())) builtinPrefetch = prefetchBuiltin(BUILTIN_DEFAULTS);
  installTestHook(() => send({ type: 'memoryReport' }));
}

export const studioActions = {
  loadDataset(source: DatasetSource): void {
    const store = useStudio.getState();
    store.setError(null);
    const phase =
      source.kind === 'builtin' ? 'generate' : source.kind === 'url' ? 'download' : 'read';
    store.setDatasetLoading({ phase, loadedBytes: 0, totalBytes: null });
    const loadId = (currentLoad = ++loadCount);
    const prefetched = isDefaultBuiltin(source) ? builtinPrefetch : null;
    if (!prefetched) {
      send({ type: 'loadDataset', source, loadId });
      return;
    }
    builtinPrefetch = null;
    void prefetched.then((prepared) => {
      // another load since replaced this one: its dataset stands
      if (loadId !== currentLoad) return;
      if (prepared)
        send({ type: 'loadDataset', source, loadId, prepared }, datasetBuffers(prepared));
      else send({ type: 'loadDataset', source, loadId });
    });
  },
  /** Continues the autosaved run, at half its learning rate after a divergence if asked. */
  resumeSaved(lowerLearningRate = false): void {
    const store = useStudio.getState();
    store.setError(null);
    store.setDatasetLoading({ phase: 'cache', loadedBytes: 0, totalBytes: null });
    adoptJobSettings = true;
    currentLoad = ++loadCount;
    send({ type: 'resumeSaved', loadId: currentLoad, lowerLearningRate });
  },
  discardSaved: () => send({ type: 'discardSaved' }),
  /** Forgets the remembered backend and races the candidates again (no job may exist). */
  recheckBackends(): void {
    forgetBackend(browserStorage());
    useStudio.getState().clearBackend();
    send({ type: 'init', preferred: forcedBackend });
  },
  clearDatasetCache(): void {
    send({ type: 'clearDatasetCache' });
  },
  choosePreset(name: PresetName): void {
    const store = useStudio.getState();
    const config = presetConfig(name);
    store.setPreset(name, config);
    store.setLimits(PRESET_LIMITS[name]);
    // a running job takes the preset's live settings now; the network itself at the next Start
    const job = store.jobConfig;
    if (store.runState === 'idle' || !job) return;
    const changed = LIVE_KNOBS.filter((knob) => config[knob] !== job[knob]);
    if (changed.length)
      send({
        type: 'setHyperparameters',
        values: Object.fromEntries(changed.map((knob) => [knob, config[knob]])),
      });
  },
  /** Configures a fresh job from the current settings and starts it (once, however many clicks). */
  start(): void {
    if (starting) return;
    starting = true;
    const { config, limits, compareWithDense, setError, clearMetrics, closeRunLogView } =
      useStudio.getState();
    setError(null);
    closeRunLogView();
    clearMetrics();
    send({ type: 'configure', config, limits, compareWithDense, start: true });
  },
  pause: () => send({ type: 'pause' }),
  resume: () => send({ type: 'resume' }),
  step: () => send({ type: 'step' }),
  stop: () => send({ type: 'stop' }),
  reset(): void {
    send({ type: 'reset' });
    useStudio.getState().clearMetrics();
  },
  pruneNow: () => send({ type: 'pruneNow' }),
  /** Exports the current network: a zip download, then an inference timing. */
  exportModel(): void {
    useStudio.getState().setExporting('model');
    send({ type: 'export' });
  },
  /** Downloads recipe.json: the job's settings (the page's before a job) for the PyTorch twin. */
  exportRecipe(): void {
    const { jobConfig, config, limits, dataset } = useStudio.getState();
    const recipe = recipeFor(jobConfig ?? config, {
      name: dataset?.name ?? 'CIFAR-10',
      kind: dataset?.kind ?? 'cifar10',
      ...limits,
    });
    const text = `${JSON.stringify(recipe, null, 2)}\n`;
    downloadBytes('recipe.json', new TextEncoder().encode(text), 'application/json');
  },
  saveCheckpoint(): void {
    useStudio.getState().setExporting('checkpoint');
    send({ type: 'checkpoint' });
  },
  /** Resumes a run from a checkpoint file, on the dataset loaded now. */
  async loadCheckpoint(file: File): Promise<void> {
    const store = useStudio.getState();
    try {
      const checkpoint = decodeCheckpoint(new Uint8Array(await file.arrayBuffer()));
      store.setError(null);
      // nothing on the page changes until the worker has accepted the checkpoint
      adoptJobSettings = true;
      send({ type: 'restore', checkpoint });
    } catch (error) {
      store.setError({ message: `${file.name}: ${(error as Error).message}`, command: 'restore' });
    }
  },
  /** Changes a setting; a live one reaches the running job at its next step. */
  setKnob<K extends KnobName>(name: K, value: TrainConfig[K]): void {
    const store = useStudio.getState();
    store.setConfig({ [name]: value } as Partial<TrainConfig>);
    const jobExists = store.runState !== 'idle';
    if (jobExists && LIVE_KNOBS.includes(name)) {
      send({ type: 'setHyperparameters', values: { [name]: value } as Partial<TrainConfig> });
    }
  },
};
