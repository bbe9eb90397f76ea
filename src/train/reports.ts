// What a trainer reports: each step's metrics, each layer's spectrum, each epoch's summary.
import type { ModelAccounting, SizeKept } from '../lowrank/accounting';
import type { PruneEvent } from '../lowrank/pruning';
import type { PruningWindow, StepRecord } from '../protocol';
import type { EvaluationResult } from './evaluation';

/** A step's metrics as the trainer reports them, with the batch it trained on. */
export type StepMetrics = StepRecord & { batchSize: number };

export interface LayerSpectrum {
  name: string;
  rank: number;
  fullRank: number;
  breakEvenRank: number;
  /** directions fading until the next prune event cuts them (the smallest |s|) */
  fading: number;
  /** |s| sorted in descending order */
  singularValues: Float32Array;
}

export interface EpochReport {
  epoch: number;
  step: number;
  pruningWindow: PruningWindow;
  test: EvaluationResult;
  pruneEvents: PruneEvent[];
  accounting: ModelAccounting;
  size: SizeKept;
  spectra: LayerSpectrum[];
}
