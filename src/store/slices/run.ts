// The job's state: running or not, where it is, the config the worker acknowledged.
import type { TrainConfig } from '../../config';
import type { RunState } from '../../protocol';
import { EMPTY_METRICS } from './metrics';
import type { SliceCreator } from './types';

export interface RunSlice {
  runState: RunState;
  step: number;
  epoch: number;
  stepsPerEpoch: number;
  /** the config the worker acknowledged for the current job */
  jobConfig: TrainConfig | null;
  setRunState: (state: { state: RunState; step: number; epoch: number }) => void;
  setJob: (job: { config: TrainConfig; stepsPerEpoch: number }) => void;
  setJobConfig: (config: TrainConfig) => void;
}

export const createRunSlice: SliceCreator<RunSlice> = (set) => ({
  runState: 'idle',
  step: 0,
  epoch: 0,
  stepsPerEpoch: 0,
  jobConfig: null,
  setRunState: ({ state, step, epoch }) => set({ runState: state, step, epoch }),
  setJob: ({ config, stepsPerEpoch }) =>
    set({ jobConfig: config, stepsPerEpoch, divergence: null, ...EMPTY_METRICS }),
  setJobConfig: (jobConfig) => set({ jobConfig }),
});
