// Pieces of the session's traffic: step series' buffers to transfer, cost and rank summaries as
// the protocol carries them, the events and saves made from a job, and a yield that lets queued
// messages in.
import { sizeKept, type ModelAccounting } from '../lowrank/accounting';
import type { PruneEvent } from '../lowrank/pruning';
import type {
  CostSummary,
  DatasetSource,
  JobLimits,
  LayerRank,
  RunName,
  StepSeries,
  WorkerEvent,
} from '../protocol';
import { encodeCheckpoint } from '../train/checkpointFile';
import type { EvaluationResult } from '../train/evaluation';
import { exportJob } from '../train/exporter';
import type { EpochReport, LayerSpectrum } from '../train/reports';
import type { Trainer } from '../train/trainer';
import type { RunToSave } from './autosave';
import type { RunJournal } from './runJournal';

export function seriesBuffers(series: StepSeries): Transferable[] {
  return Object.values(series).map(
    (array: Float32Array | Float64Array) => array.buffer as ArrayBuffer,
  );
}

/** Lets queued messages run between steps; MessageChannel is not throttled like setTimeout. */
export function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** Params and MACs of the dense, factorised and deployable forms, as the protocol carries them. */
export function costSummaries(accounting: ModelAccounting): {
  params: CostSummary;
  macs: CostSummary;
} {
  const pick = (cost: 'params' | 'macs') => ({
    dense: accounting.dense[cost],
    factorised: accounting.factorised[cost],
    deployable: accounting.deployable[cost],
  });
  return { params: pick('params'), macs: pick('macs') };
}

export const layerRank = ({
  name,
  rank,
  fullRank,
  breakEvenRank,
  fading,
}: LayerSpectrum): LayerRank => ({
  name,
  rank,
  fullRank,
  breakEvenRank,
  fading,
});

/** The event that announces a job: its settings, its layers at their ranks, its sizes. */
export function configuredEvent(trainer: Trainer): Extract<WorkerEvent, { type: 'configured' }> {
  const accounting = trainer.accounting();
  return {
    type: 'configured',
    config: { ...trainer.config },
    stepsPerEpoch: trainer.stepsPerEpoch,
    layers: accounting.layers.map((l) => ({
      name: l.name,
      rank: l.rank,
      fullRank: l.fullRank,
      breakEvenRank: l.breakEvenRank,
      fading: 0,
    })),
    ...costSummaries(accounting),
  };
}

type EventOf<T extends WorkerEvent['type']> = Extract<WorkerEvent, { type: T }>;

/** An epoch's report as the charts (and run logs) keep it. */
export function epochEvent(report: EpochReport, run: RunName): EventOf<'epoch'> {
  return {
    type: 'epoch',
    run,
    summary: {
      epoch: report.epoch,
      step: report.step,
      pruningWindow: report.pruningWindow,
      testAccuracy: report.test.accuracy,
      testLoss: report.test.loss,
      testCount: report.test.count,
      size: report.size,
      ...costSummaries(report.accounting),
    },
  };
}

/** A test evaluation at `step`, on the whole test split or on its first images. */
export function evaluationEvent(
  run: RunName,
  scope: 'slice' | 'full',
  step: number,
  { accuracy, loss, count }: EvaluationResult,
): EventOf<'evaluation'> {
  return { type: 'evaluation', run, scope, step, count, testAccuracy: accuracy, testLoss: loss };
}

/** Prune events at the trainer's step, with the size they left. */
export function prunedEvent(trainer: Trainer, events: PruneEvent[]): EventOf<'pruned'> {
  return { type: 'pruned', step: trainer.step, events, size: sizeKept(trainer.accounting()) };
}

export function spectraEvent(step: number, spectra: LayerSpectrum[]): EventOf<'spectra'> {
  const values = spectra.map((layer) => layer.singularValues);
  return { type: 'spectra', step, layers: spectra.map(layerRank), values };
}

/** What an autosave keeps of a job: its checkpoints, charts, dataset and limits. */
export async function savedRun(
  job: { trainer: Trainer; baseline: Trainer | null; limits: JobLimits; journal: RunJournal },
  dataset: { source: DatasetSource; name: string | undefined },
): Promise<RunToSave> {
  const { trainer, baseline } = job;
  const { architecture, mode, epochs } = trainer.config;
  return {
    summary: {
      savedAt: new Date().toISOString(),
      step: trainer.step,
      epoch: trainer.epoch,
      epochs,
      description: `${architecture} ${mode === 'lowrank' ? 'low-rank' : 'dense'} on ${dataset.name ?? 'its dataset'}`,
    },
    dataset: dataset.source,
    limits: job.limits,
    checkpoint: encodeCheckpoint(await trainer.checkpoint()),
    baselineCheckpoint: baseline ? encodeCheckpoint(await baseline.checkpoint()) : null,
    ...job.journal.chunkedHistory(),
  };
}

/** The job's network exported: model files (the weights to transfer), report, labels, history. */
export async function exportEvent(
  trainer: Trainer,
  datasetName: string,
  journal: RunJournal,
): Promise<Extract<WorkerEvent, { type: 'export' }>> {
  const { report, files, labels } = await exportJob(trainer, datasetName);
  const { modelJson, weights } = files;
  return { type: 'export', report, modelJson, weights, labels, history: journal.history() };
}
