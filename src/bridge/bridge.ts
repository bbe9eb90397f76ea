// The only owner of the training Worker (CONTRIBUTING.md): the page's bridge, which turns every
// WorkerEvent into a store update (events.ts) and user actions into Commands (actions.ts).
import { BUILTIN_DEFAULTS } from '../data/builtin';
import type { BackendName, Command, RunHistory, WorkerEvent } from '../protocol';
import { useStudio } from '../store/store';
import { workerName } from '../worker/threads';
import { bridgeActions } from './actions';
import { browserStorage, loadLastDataset, loadRememberedBackend } from './browserMemory';
import { newBridgeState, type BridgeContext, type BridgeIO } from './context';
import { downloadBytes } from './download';
import { bridgeEvents } from './events';
import { prefetchBuiltin } from './prefetch';
import { installTestHook } from './testHook';

/** A bridge between a store and a worker reached through `io` (the page's, or a test's). */
export function createBridge(store: BridgeContext['store'], io: BridgeIO) {
  const context: BridgeContext = { store, io, state: newBridgeState() };
  const actions = bridgeActions(context);
  const { onEvent, replay } = bridgeEvents(context, actions);
  return { actions, onEvent, replay, state: context.state };
}

let worker: Worker | null = null;

const pageBridge = createBridge(useStudio, {
  send(command: Command, transfer: Transferable[] = []) {
    if (!worker) throw new Error('the training worker has not been started');
    worker.postMessage(command, transfer);
  },
  storage: () => browserStorage(),
  download: downloadBytes,
});

export const studioActions = pageBridge.actions;

/** Puts a run's charts back (a resumed run, a run log): its steps at once, then its other events. */
export const replay = (history: RunHistory): void => pageBridge.replay(history);

/** Starts the worker once; `preferred` comes from the URL (?backend=webgl) for forcing one. */
export function startWorker(preferred?: BackendName, threads?: number): void {
  if (worker) return;
  pageBridge.state.forcedBackend = preferred;
  // the worker sizes its wasm thread pool as it loads, before any message: tell it by its name
  worker = new Worker(new URL('../worker/training.worker.ts', import.meta.url), {
    type: 'module',
    name: workerName(threads),
  });
  worker.onmessage = (message: MessageEvent<WorkerEvent>) => pageBridge.onEvent(message.data);
  worker.onerror = (error) =>
    useStudio.getState().setError({ message: `the training worker failed: ${error.message}` });
  const remembered = preferred ? undefined : loadRememberedBackend(browserStorage());
  pageBridge.actions.init(preferred, remembered);
  // the set the page will open on, unless last time's dataset is in the cache ('ready' below)
  if (!loadLastDataset(browserStorage()))
    pageBridge.state.builtinPrefetch = prefetchBuiltin(BUILTIN_DEFAULTS);
  installTestHook(() => pageBridge.actions.askMemory());
}
