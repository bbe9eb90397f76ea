// The only owner of the training Worker (style rule 16): forwards commands, and turns every
// WorkerEvent into a store update.
import { BUILTIN_DEFAULTS } from '../data/builtin';
import type { BackendName, Command, DatasetSource, WorkerEvent } from '../protocol';
import { useStudio } from '../store/store';

let worker: Worker | null = null;

function onEvent(event: WorkerEvent): void {
  const store = useStudio.getState();
  switch (event.type) {
    case 'ready':
      store.setReady(event);
      // the built-in set is the default, so the studio works offline from the first second
      if (!store.dataset) studioActions.loadDataset({ kind: 'builtin', ...BUILTIN_DEFAULTS });
      return;
    case 'datasetProgress':
      store.setDatasetLoading(event);
      return;
    case 'datasetLoaded':
      store.setDataset(event.summary);
      return;
    case 'datasetCache':
      store.setDatasetCache(event.entries);
      return;
    case 'error':
      store.setError({ message: event.message, command: event.command });
      return;
    default: {
      const unknown: never = event;
      throw new Error(`unknown worker event ${JSON.stringify(unknown)}`);
    }
  }
}

function send(command: Command): void {
  if (!worker) throw new Error('the training worker has not been started');
  worker.postMessage(command);
}

/** Starts the worker once; `preferred` comes from the URL (?backend=webgl) for forcing one. */
export function startWorker(preferred?: BackendName): void {
  if (worker) return;
  worker = new Worker(new URL('../worker/training.worker.ts', import.meta.url), { type: 'module' });
  worker.onmessage = (message: MessageEvent<WorkerEvent>) => onEvent(message.data);
  worker.onerror = (error) =>
    useStudio.getState().setError({ message: `the training worker failed: ${error.message}` });
  send({ type: 'init', preferred });
}

export const studioActions = {
  loadDataset(source: DatasetSource): void {
    useStudio.getState().setError(null);
    useStudio.getState().setDatasetLoading({
      phase: source.kind === 'builtin' ? 'generate' : source.kind === 'url' ? 'download' : 'read',
      loadedBytes: 0,
      totalBytes: null,
    });
    send({ type: 'loadDataset', source });
  },
  clearDatasetCache(): void {
    send({ type: 'clearDatasetCache' });
  },
};
