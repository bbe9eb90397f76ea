// What the worker tells the page: each WorkerEvent as store updates (and, for exports, a
// download).
import type { RunHistory, WorkerEvent } from '../protocol';
import { encodeCheckpoint } from '../train/checkpointFile';
import { concatSeries } from '../train/stepSeries';
import { studioRunLog } from '../runLog';
import { loadLastDataset, rememberBackend, rememberLastDataset } from './browserMemory';
import { BUILTIN_SOURCE, type BridgeContext } from './context';
import { modelZip } from './download';
import { runActions, studioAbout } from './runActions';
import type { StudioActions } from './actions';
import { memoryReported } from './testHook';

/**
 * Step metrics arrive about ten times a second; the charts redraw at most this often, from all
 * the steps since their last redraw, so a slow redraw never lets messages pile up and the page's
 * garbage stays small (docs/responsiveness.md).
 */
export const CHART_REDRAW_MS = 1000;

/** The event handler, and `replay`, which puts a run's charts back through it. */
export function bridgeEvents(
  { store: studio, io, state }: BridgeContext,
  actions: Pick<StudioActions, 'loadDataset'>,
) {
  /** Puts a run's charts back (a resumed run, a run log): its steps at once, then its other events. */
  function replay(history: RunHistory): void {
    const store = studio.getState();
    for (const run of ['main', 'baseline'] as const) {
      const series = history.steps[run];
      if (series) store.addSteps(run, series);
    }
    for (const event of history.events) onEvent(event);
    if (history.spectra) onEvent(history.spectra);
  }
  /** Applies the queued step metrics to the store, one update per run. */
  function drawPendingSteps(): void {
    if (state.redrawTimer !== null) clearTimeout(state.redrawTimer);
    state.redrawTimer = null;
    const queued = state.pendingSteps;
    state.pendingSteps = [];
    for (const run of ['main', 'baseline'] as const) {
      const series = queued.filter((e) => e.run === run).map((e) => e.series);
      if (series.length) studio.getState().addSteps(run, concatSeries(series));
    }
  }

  function onEvent(event: WorkerEvent): void {
    if (event.type === 'steps') {
      state.pendingSteps.push(event);
      state.redrawTimer ??= setTimeout(drawPendingSteps, CHART_REDRAW_MS);
      return;
    }
    // everything else is applied at once, after the steps that came before it
    if (state.pendingSteps.length) drawPendingSteps();
    const store = studio.getState();
    switch (event.type) {
      case 'ready': {
        store.setReady(event);
        if (!state.forcedBackend) rememberBackend(io.storage(), event);
        // a dataset the user chose while the backends were timed stands
        if (store.dataset || state.currentLoad !== null) return;
        // the dataset chosen last time, if it is in the cache; else the built-in set, which works
        // offline from the first second
        const last = loadLastDataset(io.storage());
        if (last) {
          actions.loadDataset(last);
          state.fallbackLoad = state.currentLoad;
        } else actions.loadDataset(BUILTIN_SOURCE);
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
      case 'runEnded':
        void runActions.keepStudioRun(event.history, event.ended);
        return;
      case 'diverged':
        store.setDivergence(event);
        return;
      case 'backendProgress':
        store.setBackendProgress(event.message);
        return;
      case 'datasetProgress':
        if (event.loadId === state.currentLoad) store.setDatasetLoading(event);
        return;
      case 'datasetLoaded':
        if (event.loadId !== state.currentLoad) return;
        state.currentLoad = null;
        store.setDataset(event.summary);
        rememberLastDataset(io.storage(), event.source);
        return;
      case 'datasetCache':
        store.setDatasetCache(event.entries);
        return;
      case 'configured':
        state.starting = false;
        store.setBuilding(null);
        store.closeRunLogView();
        store.setJob(event);
        // a restored or resumed job brings its own settings: they become the page's
        if (state.adoptJobSettings) store.setPreset(null, event.config);
        state.adoptJobSettings = false;
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
          io.download(
            `${architecture}-${mode}-step${event.checkpoint.step}.lrckpt`,
            encodeCheckpoint(event.checkpoint),
          );
          store.setExporting(null);
        }
        return;
      case 'export': {
        const { report } = event;
        const runLog =
          event.history && studioRunLog(event.history, studioAbout(store, report.dataset));
        io.download(
          `${report.model}-${report.mode}-step${report.step}.zip`,
          modelZip({ ...event, runLog }),
          'application/zip',
        );
        store.setExportReport(report);
        return;
      }
      case 'prediction':
        store.setTryAnswer(event);
        return;
      case 'modelLoaded':
        store.setLoadedModel({
          name: event.name,
          labels: event.labels,
          description: event.description,
        });
        return;
      case 'inferenceTiming':
        store.setInferenceTiming(event.timing);
        return;
      case 'warning':
        store.setWarning(event.message);
        return;
      case 'error':
        if (event.command === 'restore' || event.command === 'resumeSaved')
          state.adoptJobSettings = false;
        // Try it's failures are told in its panel, not as the studio's error
        if (event.command === 'predict' || event.command === 'loadModel') {
          store.setTryError(event.message);
          return;
        }
        if (event.command === 'configure') {
          state.starting = false;
          store.setBuilding(null);
        }
        if (event.loadId !== undefined) {
          // a failed load that was already given up is not news
          if (event.loadId !== state.currentLoad) return;
          state.currentLoad = null;
          if (event.loadId === state.fallbackLoad) {
            // last time's dataset is gone from the cache: say so, and start on the built-in set
            state.fallbackLoad = null;
            store.setWarning(event.message);
            actions.loadDataset(BUILTIN_SOURCE);
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

  return { onEvent, replay };
}
