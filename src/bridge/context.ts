// What the bridge's event handling and its actions share: the store, the way out to the worker
// and the browser, and the bookkeeping of loads and starts in flight.
import type { StoreApi } from 'zustand';
import { BUILTIN_DEFAULTS } from '../data/builtin';
import type { ImageDataset } from '../data/dataset';
import type { BackendName, Command, DatasetSource, WorkerEvent } from '../protocol';
import type { StudioState } from '../store/store';

/** The bridge's way out: to the worker, the browser's storage, a download. */
export interface BridgeIO {
  send(command: Command, transfer?: Transferable[]): void;
  storage(): Storage | undefined;
  download(name: string, bytes: Uint8Array, type?: string): void;
}

export interface BridgeState {
  /** the dataset load whose events the page follows; events of other loads are stale */
  currentLoad: number | null;
  loadCount: number;
  /** the automatic load of last time's dataset, which falls back to the built-in set */
  fallbackLoad: number | null;
  /** the next configured job's settings replace the page's (a restore or resume) */
  adoptJobSettings: boolean;
  /** a Start was sent and its job is not configured yet: further clicks are the same Start */
  starting: boolean;
  /** the built-in set, generated beside the training worker's start-up, until a load takes it */
  builtinPrefetch: Promise<ImageDataset | null> | null;
  /** a backend forced by the address (?backend=), which is never remembered */
  forcedBackend: BackendName | undefined;
  /** step metrics not yet drawn (see CHART_REDRAW_MS) */
  pendingSteps: Extract<WorkerEvent, { type: 'steps' }>[];
  redrawTimer: ReturnType<typeof setTimeout> | null;
  /** Try it's requests so far: each answer names the request it answers */
  predictCount: number;
}

export interface BridgeContext {
  store: StoreApi<StudioState>;
  io: BridgeIO;
  state: BridgeState;
}

export const newBridgeState = (): BridgeState => ({
  currentLoad: null,
  loadCount: 0,
  fallbackLoad: null,
  adoptJobSettings: false,
  starting: false,
  builtinPrefetch: null,
  forcedBackend: undefined,
  pendingSteps: [],
  redrawTimer: null,
  predictCount: 0,
});

export const BUILTIN_SOURCE = {
  kind: 'builtin',
  ...BUILTIN_DEFAULTS,
} as const satisfies DatasetSource;

export function isDefaultBuiltin(source: DatasetSource): boolean {
  return (
    source.kind === 'builtin' &&
    (Object.keys(BUILTIN_DEFAULTS) as (keyof typeof BUILTIN_DEFAULTS)[]).every(
      (key) => source[key] === BUILTIN_DEFAULTS[key],
    )
  );
}
