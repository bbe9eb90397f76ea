// The only owner of the training Worker (style rule 16): forwards commands, and turns every
// WorkerEvent into a store update.
import type { BackendName, Command, WorkerEvent } from '../protocol';
import { useStudio } from '../store/store';

let worker: Worker | null = null;

function onEvent(event: WorkerEvent): void {
  const store = useStudio.getState();
  switch (event.type) {
    case 'ready':
      store.setReady(event);
      return;
    case 'error':
      store.setWorkerError(event.message);
      return;
    default: {
      const unknown: never = event;
      throw new Error(`unknown worker event ${JSON.stringify(unknown)}`);
    }
  }
}

export function send(command: Command): void {
  if (!worker) throw new Error('the training worker has not been started');
  worker.postMessage(command);
}

/** Starts the worker once; `preferred` comes from the URL (?backend=webgl) for forcing one. */
export function startWorker(preferred?: BackendName): void {
  if (worker) return;
  worker = new Worker(new URL('../worker/training.worker.ts', import.meta.url), { type: 'module' });
  worker.onmessage = (message: MessageEvent<WorkerEvent>) => onEvent(message.data);
  worker.onerror = (error) =>
    useStudio.getState().setWorkerError(`worker failed: ${error.message}`);
  send({ type: 'init', preferred });
}
