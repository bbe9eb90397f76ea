// What the page asks of the worker: each user action as store updates and a Command.
import { LIVE_KNOBS, type KnobName, type TrainConfig } from '../config';
import { datasetBuffers } from '../data/dataset';
import { PRESET_LIMITS, presetConfig, type PresetName } from '../presets';
import type {
  BackendName,
  DatasetSource,
  PredictTarget,
  RememberedBackend,
  SquareImage,
} from '../protocol';
import { recipeFor } from '../recipe';
import { decodeCheckpoint } from '../train/checkpointFile';
import { forgetBackend } from './browserMemory';
import { isDefaultBuiltin, type BridgeContext } from './context';

export type StudioActions = ReturnType<typeof bridgeActions>;

export function bridgeActions({ store: studio, io, state }: BridgeContext) {
  return {
    /** Asks the worker to choose its backend (a forced one, or last visit's if it still fits). */
    init(preferred?: BackendName, remembered?: RememberedBackend): void {
      io.send({ type: 'init', preferred, remembered });
    },
    askMemory: () => io.send({ type: 'memoryReport' }),
    loadDataset(source: DatasetSource): void {
      const store = studio.getState();
      store.setError(null);
      const phase =
        source.kind === 'builtin' ? 'generate' : source.kind === 'url' ? 'download' : 'read';
      store.setDatasetLoading({ phase, loadedBytes: 0, totalBytes: null });
      const loadId = (state.currentLoad = ++state.loadCount);
      const prefetched = isDefaultBuiltin(source) ? state.builtinPrefetch : null;
      if (!prefetched) {
        io.send({ type: 'loadDataset', source, loadId });
        return;
      }
      state.builtinPrefetch = null;
      void prefetched.then((prepared) => {
        // another load since replaced this one: its dataset stands
        if (loadId !== state.currentLoad) return;
        if (prepared)
          io.send({ type: 'loadDataset', source, loadId, prepared }, datasetBuffers(prepared));
        else io.send({ type: 'loadDataset', source, loadId });
      });
    },
    /** Stops the dataset load in progress; the dataset loaded before it stays. */
    cancelDatasetLoad(): void {
      if (state.currentLoad === null) return;
      io.send({ type: 'cancelDatasetLoad', loadId: state.currentLoad });
      state.currentLoad = null;
      studio.getState().setDatasetLoading(null);
    },
    /** Continues the autosaved run, at half its learning rate after a divergence if asked. */
    resumeSaved(lowerLearningRate = false): void {
      const store = studio.getState();
      store.setError(null);
      store.setDatasetLoading({ phase: 'cache', loadedBytes: 0, totalBytes: null });
      state.adoptJobSettings = true;
      state.currentLoad = ++state.loadCount;
      io.send({ type: 'resumeSaved', loadId: state.currentLoad, lowerLearningRate });
    },
    discardSaved: () => io.send({ type: 'discardSaved' }),
    /** Forgets the remembered backend and races the candidates again (no job may exist). */
    recheckBackends(): void {
      forgetBackend(io.storage());
      studio.getState().clearBackend();
      io.send({ type: 'init', preferred: state.forcedBackend });
    },
    clearDatasetCache(): void {
      io.send({ type: 'clearDatasetCache' });
    },
    choosePreset(name: PresetName): void {
      const store = studio.getState();
      const config = presetConfig(name);
      store.setPreset(name, config);
      store.setLimits(PRESET_LIMITS[name]);
      // a running job takes the preset's live settings now; the network itself at the next Start
      const job = store.jobConfig;
      if (store.runState === 'idle' || !job) return;
      const changed = LIVE_KNOBS.filter((knob) => config[knob] !== job[knob]);
      if (changed.length)
        io.send({
          type: 'setHyperparameters',
          values: Object.fromEntries(changed.map((knob) => [knob, config[knob]])),
        });
    },
    /** Configures a fresh job from the current settings and starts it (once, however many clicks). */
    start(): void {
      if (state.starting) return;
      state.starting = true;
      const { config, limits, compareWithDense, setError, clearMetrics, closeRunLogView } =
        studio.getState();
      setError(null);
      closeRunLogView();
      clearMetrics();
      io.send({ type: 'configure', config, limits, compareWithDense, start: true });
    },
    pause: () => io.send({ type: 'pause' }),
    resume: () => io.send({ type: 'resume' }),
    step: () => io.send({ type: 'step' }),
    stop: () => io.send({ type: 'stop' }),
    reset(): void {
      io.send({ type: 'reset' });
      studio.getState().clearMetrics();
    },
    pruneNow: () => io.send({ type: 'pruneNow' }),
    /** Exports the current network: a zip download, then an inference timing. */
    exportModel(): void {
      studio.getState().setExporting('model');
      io.send({ type: 'export' });
    },
    /** Downloads recipe.json: the job's settings (the page's before a job) for the PyTorch twin. */
    exportRecipe(): void {
      const { jobConfig, config, limits, dataset } = studio.getState();
      const recipe = recipeFor(jobConfig ?? config, {
        name: dataset?.name ?? 'CIFAR-10',
        kind: dataset?.kind ?? 'cifar10',
        ...limits,
      });
      const text = `${JSON.stringify(recipe, null, 2)}\n`;
      io.download('recipe.json', new TextEncoder().encode(text), 'application/json');
    },
    saveCheckpoint(): void {
      studio.getState().setExporting('checkpoint');
      io.send({ type: 'checkpoint' });
    },
    /** Resumes a run from a checkpoint file, on the dataset loaded now. */
    async loadCheckpoint(file: File): Promise<void> {
      const store = studio.getState();
      try {
        const checkpoint = decodeCheckpoint(new Uint8Array(await file.arrayBuffer()));
        store.setError(null);
        // nothing on the page changes until the worker has accepted the checkpoint
        state.adoptJobSettings = true;
        io.send({ type: 'restore', checkpoint });
      } catch (error) {
        store.setError({
          message: `${file.name}: ${(error as Error).message}`,
          command: 'restore',
        });
      }
    },
    /**
     * Try it: asks each model `images` names, with the image at the side that model's training
     * images had. A model still answering the last image is not asked again until it is done.
     */
    predict(images: Partial<Record<PredictTarget, SquareImage>>): void {
      const store = studio.getState();
      const preview = images.job ?? images.loaded;
      if (preview) store.setTryImage(preview);
      for (const [target, image] of Object.entries(images) as [PredictTarget, SquareImage][]) {
        if (store.tryPending[target] !== undefined) continue;
        const requestId = ++state.predictCount;
        store.setTryPending(target, requestId);
        // copied, not transferred: the page keeps the image to show it
        io.send({ type: 'predict', requestId, target, image });
      }
    },
    /** Loads an exported model's zip into the worker for Try it. */
    async loadModel(file: File): Promise<void> {
      studio.getState().setLoadingModel(true);
      const zip = new Uint8Array(await file.arrayBuffer());
      io.send({ type: 'loadModel', name: file.name, zip }, [zip.buffer]);
    },
    /** Changes a setting; a live one reaches the running job at its next step. */
    setKnob<K extends KnobName>(name: K, value: TrainConfig[K]): void {
      const store = studio.getState();
      store.setConfig({ [name]: value } as Partial<TrainConfig>);
      const jobExists = store.runState !== 'idle';
      if (jobExists && LIVE_KNOBS.includes(name)) {
        io.send({ type: 'setHyperparameters', values: { [name]: value } as Partial<TrainConfig> });
      }
    },
  };
}
