// The backend the worker chose, and how the choice is going.
import type { BackendName, SkippedBackend } from '../../protocol';
import type { SliceCreator } from './types';

export interface RuntimeSlice {
  backend: BackendName | null;
  skippedBackends: SkippedBackend[];
  backendDetail: string | null;
  tfVersion: string | null;
  /** the choice came from an earlier visit (no race this time) */
  backendFromMemory: boolean;
  /** what backend selection is doing, while it runs */
  backendProgress: string | null;
  setReady: (ready: {
    backend: BackendName;
    skipped: SkippedBackend[];
    detail?: string;
    tfVersion: string;
    fromMemory: boolean;
  }) => void;
  setBackendProgress: (message: string) => void;
  /** forget the backend, while a new selection runs */
  clearBackend: () => void;
}

export const createRuntimeSlice: SliceCreator<RuntimeSlice> = (set) => ({
  backend: null,
  skippedBackends: [],
  backendDetail: null,
  tfVersion: null,
  backendFromMemory: false,
  backendProgress: null,
  setReady: ({ backend, skipped, detail, tfVersion, fromMemory }) =>
    set({
      backend,
      skippedBackends: skipped,
      backendDetail: detail ?? null,
      tfVersion,
      backendFromMemory: fromMemory,
      backendProgress: null,
    }),
  setBackendProgress: (backendProgress) => set({ backendProgress }),
  clearBackend: () =>
    set({ backend: null, skippedBackends: [], backendDetail: null, backendProgress: null }),
});
