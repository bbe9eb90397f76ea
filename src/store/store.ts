// The studio's one zustand store, built from slices (style rule 4). Only the bridge writes
// worker facts into it; components select the fields they draw.
import { create } from 'zustand';
import type { BackendName, SkippedBackend } from '../protocol';

export interface RuntimeSlice {
  backend: BackendName | null;
  skippedBackends: SkippedBackend[];
  tfVersion: string | null;
  workerError: string | null;
  setReady: (ready: { backend: BackendName; skipped: SkippedBackend[]; tfVersion: string }) => void;
  setWorkerError: (message: string) => void;
}

export type StudioState = RuntimeSlice;

export const useStudio = create<StudioState>()((set) => ({
  backend: null,
  skippedBackends: [],
  tfVersion: null,
  workerError: null,
  setReady: ({ backend, skipped, tfVersion }) =>
    set({ backend, skippedBackends: skipped, tfVersion, workerError: null }),
  setWorkerError: (message) => set({ workerError: message }),
}));
