// Small pieces of the session's event traffic: step series' buffers to transfer, cost and rank
// summaries as the protocol carries them, and a yield that lets queued messages in.
import type { ModelAccounting } from '../lowrank/accounting';
import type { CostSummary, LayerRank, StepSeries } from '../protocol';
import type { LayerSpectrum } from '../train/trainer';

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
