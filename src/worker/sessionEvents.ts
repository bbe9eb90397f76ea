// Pieces of the session's traffic: step series' buffers to transfer, cost and rank summaries as
// the protocol carries them, the events and saves made from a job, and a yield that lets queued
// messages in.
import type { ModelAccounting } from '../lowrank/accounting';
import type {
  CostSummary,
  DatasetSource,
  JobLimits,
  LayerRank,
  StepSeries,
  WorkerEvent,
} from '../protocol';
import { encodeCheckpoint } from '../train/checkpointFile';
import { exportJob } from '../train/exporter';
import type { LayerSpectrum } from '../train/reports';
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
