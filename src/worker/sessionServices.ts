// What a training session talks to: the port its events go out by, and the services its host
// (the worker, or a test) provides.
import type { ImageDataset } from '../data/dataset';
import type {
  BackendName,
  CachedDataset,
  DatasetPhase,
  DatasetSource,
  RememberedBackend,
  SkippedBackend,
  WorkerEvent,
} from '../protocol';
import type { AutosaveStore } from './autosave';

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
    options?: { signal?: AbortSignal },
  ): Promise<{ dataset: ImageDataset; fromCache: boolean }>;
  listCache(): Promise<CachedDataset[]>;
  clearCache(): Promise<void>;
  /** where the running job is saved for a reload or crash */
  autosave: AutosaveStore;
  /** the TF.js engine's tensors and bytes, and the wasm heap's size where wasm runs */
  memory(): { tensors: number; bytes: number; heapBytes: number | null };
}
