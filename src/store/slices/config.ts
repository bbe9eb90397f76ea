// The settings of the next job (and the live knobs of the running one).
import { DEFAULT_CONFIG, type TrainConfig } from '../../config';
import type { PresetName } from '../../presets';
import type { JobLimits } from '../../protocol';
import type { SliceCreator } from './types';

export interface ConfigSlice {
  /** the preset the settings started from, if any */
  preset: PresetName | null;
  /** the configuration the next job will use (and the running job's live knobs) */
  config: TrainConfig;
  limits: JobLimits;
  /** train a dense baseline beside the next low-rank job */
  compareWithDense: boolean;
  setCompareWithDense: (on: boolean) => void;
  setConfig: (config: Partial<TrainConfig>) => void;
  setPreset: (preset: PresetName | null, config: TrainConfig) => void;
  setLimits: (limits: JobLimits) => void;
}

export const createConfigSlice: SliceCreator<ConfigSlice> = (set) => ({
  preset: null,
  config: DEFAULT_CONFIG,
  limits: {},
  compareWithDense: false,
  setCompareWithDense: (compareWithDense) => set({ compareWithDense }),
  setPreset: (preset, config) => set({ preset, config }),
  setConfig: (config) => set((state) => ({ config: { ...state.config, ...config } })),
  setLimits: (limits) => set({ limits }),
});
