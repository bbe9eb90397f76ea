// The run library as the runs table and the overlays draw it: the kept runs' rows (their logs
// stay in IndexedDB: bridge/runLibrary.ts), which are selected, and the table's sort and filter.
import type { RunRow, SortOrder } from '../../runs/runColumns';
import type { SliceCreator } from './types';

/** How the overlays line runs up: by training step, by epoch, or by the share of the run done. */
export type RunAlignment = 'step' | 'epoch' | 'fraction';

export interface RunsMessage {
  text: string;
  kind: 'info' | 'error';
}

export interface RunsSlice {
  runs: RunRow[];
  selectedRunIds: string[];
  runsAlignment: RunAlignment;
  runsSort: SortOrder;
  runsFilter: string;
  /** the library's size limit, bytes */
  runsBudget: number;
  runsMessage: RunsMessage | null;
  setRuns: (runs: RunRow[]) => void;
  toggleRunSelected: (id: string) => void;
  setSelectedRuns: (ids: string[]) => void;
  setRunsAlignment: (alignment: RunAlignment) => void;
  /** a click on a column: sorts by it, or turns its order round */
  sortRunsBy: (key: string) => void;
  setRunsFilter: (filter: string) => void;
  setRunsBudget: (bytes: number) => void;
  setRunsMessage: (message: RunsMessage | null) => void;
}

export const createRunsSlice: SliceCreator<RunsSlice> = (set) => ({
  runs: [],
  selectedRunIds: [],
  runsAlignment: 'step',
  runsSort: { key: 'saved', descending: true },
  runsFilter: '',
  runsBudget: 200 * 1024 * 1024,
  runsMessage: null,
  setRuns: (runs) =>
    set((state) => ({
      runs,
      // a deleted run leaves the selection with its row
      selectedRunIds: state.selectedRunIds.filter((id) => runs.some((run) => run.id === id)),
    })),
  toggleRunSelected: (id) =>
    set((state) => ({
      selectedRunIds: state.selectedRunIds.includes(id)
        ? state.selectedRunIds.filter((selected) => selected !== id)
        : [...state.selectedRunIds, id],
    })),
  setSelectedRuns: (selectedRunIds) => set({ selectedRunIds }),
  setRunsAlignment: (runsAlignment) => set({ runsAlignment }),
  sortRunsBy: (key) =>
    set((state) => ({
      runsSort:
        state.runsSort.key === key
          ? { key, descending: !state.runsSort.descending }
          : { key, descending: key !== 'name' },
    })),
  setRunsFilter: (runsFilter) => set({ runsFilter }),
  setRunsBudget: (runsBudget) => set({ runsBudget }),
  setRunsMessage: (runsMessage) => set({ runsMessage }),
});
