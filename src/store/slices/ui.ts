// What the page shows and how: the selected layer, presentation mode, the tour, errors, the
// run being built, the saved run, a divergence.
import type { CommandType, RunName, SavedRunSummary } from '../../protocol';
import type { SliceCreator } from './types';

export interface UiSlice {
  /** layer shown in the spectrum chart (index into layers) */
  selectedLayer: number;
  spectrumView: 'one' | 'all';
  /** large type for projectors */
  presentation: boolean;
  /** the job's network being built: how far */
  building: { done: number; total: number; name: string } | null;
  setBuilding: (building: UiSlice['building']) => void;
  /** the autosaved run this browser can resume */
  savedRun: SavedRunSummary | null;
  setSavedRun: (run: SavedRunSummary | null) => void;
  /** the job's loss became non-finite: where, and the autosave it can go back to */
  divergence: { run: RunName; step: number; autosaveStep: number | null } | null;
  setDivergence: (divergence: UiSlice['divergence']) => void;
  /** the guided tour's current step, or null when it is closed */
  tourStep: number | null;
  setTourStep: (step: number | null) => void;
  selectLayer: (index: number) => void;
  setSpectrumView: (view: 'one' | 'all') => void;
  setPresentation: (on: boolean) => void;
  /** the last error, with the command that caused it */
  error: { message: string; command?: CommandType } | null;
  warning: string | null;
  setError: (error: UiSlice['error']) => void;
  setWarning: (message: string | null) => void;
}

export const createUiSlice: SliceCreator<UiSlice> = (set) => ({
  tourStep: null,
  setTourStep: (tourStep) => set({ tourStep }),
  savedRun: null,
  setSavedRun: (savedRun) => set({ savedRun }),
  building: null,
  setBuilding: (building) =>
    set({
      building: building && { done: building.done, total: building.total, name: building.name },
    }),
  divergence: null,
  setDivergence: (divergence) => set({ divergence }),
  selectedLayer: 0,
  spectrumView: 'one',
  presentation: false,
  selectLayer: (selectedLayer) => set({ selectedLayer }),
  setSpectrumView: (spectrumView) => set({ spectrumView }),
  setPresentation: (presentation) => set({ presentation }),
  error: null,
  warning: null,
  setError: (error) =>
    set((state) => ({
      error,
      datasetLoading: error ? null : state.datasetLoading,
      exporting: error ? null : state.exporting,
    })),
  setWarning: (warning) => set({ warning }),
});
