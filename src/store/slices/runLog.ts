// A run log opened in the studio: its charts replace the live ones until it is closed.
import type { TrainConfig } from '../../config';
import { EMPTY_METRICS } from './metrics';
import type { SliceCreator } from './types';

/** A run log opened in the studio: its charts replace the live ones until it is closed. */
export interface RunLogView {
  fileName: string;
  /** e.g. "lowrank_studio 0.1 (PyTorch 1.13.1), 2 processes on cuda" */
  source: string;
  /** the device it trained on, for the speed readout */
  device: string;
  /** network, length and size target in a line */
  recipe: string;
  lastStep: number;
  /** the charts show the run up to this step */
  shownStep: number;
  replaying: boolean;
}

export interface RunLogSlice {
  runLogView: RunLogView | null;
  /** opens a log's view: its settings become the job's, the charts empty */
  openRunLogView: (view: RunLogView, config: TrainConfig, stepsPerEpoch: number) => void;
  updateRunLogView: (update: Partial<RunLogView>) => void;
  closeRunLogView: () => void;
}

export const createRunLogSlice: SliceCreator<RunLogSlice> = (set) => ({
  runLogView: null,
  openRunLogView: (runLogView, jobConfig, stepsPerEpoch) =>
    set({ runLogView, jobConfig, stepsPerEpoch, step: 0, epoch: 0, ...EMPTY_METRICS }),
  updateRunLogView: (update) =>
    set((state) => ({ runLogView: state.runLogView && { ...state.runLogView, ...update } })),
  closeRunLogView: () =>
    set((state) =>
      state.runLogView
        ? {
            runLogView: null,
            jobConfig: null,
            stepsPerEpoch: 0,
            step: 0,
            epoch: 0,
            ...EMPTY_METRICS,
          }
        : {},
    ),
});
