// The exported model's report and inference timing, and an export in progress.
import type { ExportReport, InferenceTiming } from '../../protocol';
import type { SliceCreator } from './types';

export interface ExportSlice {
  exportReport: ExportReport | null;
  inferenceTiming: InferenceTiming | null;
  /** an export or checkpoint is being prepared in the worker */
  exporting: 'model' | 'checkpoint' | null;
  setExporting: (what: ExportSlice['exporting']) => void;
  setExportReport: (report: ExportReport) => void;
  setInferenceTiming: (timing: InferenceTiming) => void;
}

export const createExportSlice: SliceCreator<ExportSlice> = (set) => ({
  exportReport: null,
  inferenceTiming: null,
  exporting: null,
  setExporting: (exporting) => set({ exporting }),
  setExportReport: (exportReport) => set({ exportReport, inferenceTiming: null }),
  setInferenceTiming: (inferenceTiming) => set({ inferenceTiming, exporting: null }),
});
