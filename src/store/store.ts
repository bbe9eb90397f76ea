// The studio's one zustand store, built from one creator per slice (slices/). Only the bridge
// writes worker facts into it; components select the fields they draw.
import { create } from 'zustand';
import { createConfigSlice, type ConfigSlice } from './slices/config';
import { createDatasetSlice, type DatasetSlice } from './slices/dataset';
import { createExportSlice, type ExportSlice } from './slices/export';
import { createMetricsSlice, type MetricsSlice } from './slices/metrics';
import { createRunSlice, type RunSlice } from './slices/run';
import { createRunLogSlice, type RunLogSlice } from './slices/runLog';
import { createRunsSlice, type RunsSlice } from './slices/runs';
import { createRuntimeSlice, type RuntimeSlice } from './slices/runtime';
import { createSiteSlice, type SiteSlice } from './slices/site';
import { createTryItSlice, type TryItSlice } from './slices/tryIt';
import { createUiSlice, type UiSlice } from './slices/ui';

export type { DatasetProgress } from './slices/dataset';
export {
  STEP_HISTORY,
  latestTest,
  type StepPoint,
  type TestEvaluation,
  type TestPoint,
} from './slices/metrics';
export type { RunLogView } from './slices/runLog';
export type { RunAlignment, RunsMessage } from './slices/runs';
export type { SiteNotice } from './slices/site';
export type {
  ConfigSlice,
  DatasetSlice,
  ExportSlice,
  MetricsSlice,
  RunLogSlice,
  RunSlice,
  RunsSlice,
  RuntimeSlice,
  SiteSlice,
  TryItSlice,
  UiSlice,
};

export type StudioState = ExportSlice &
  RunLogSlice &
  RunsSlice &
  RuntimeSlice &
  DatasetSlice &
  ConfigSlice &
  RunSlice &
  MetricsSlice &
  SiteSlice &
  TryItSlice &
  UiSlice;

export const useStudio = create<StudioState>()((...a) => ({
  ...createRuntimeSlice(...a),
  ...createDatasetSlice(...a),
  ...createConfigSlice(...a),
  ...createRunSlice(...a),
  ...createMetricsSlice(...a),
  ...createExportSlice(...a),
  ...createSiteSlice(...a),
  ...createUiSlice(...a),
  ...createRunLogSlice(...a),
  ...createTryItSlice(...a),
  ...createRunsSlice(...a),
}));
