// What one backend measures, in priority order, and a runner that stops starting new items once
// the backend's time budget is spent (software GPU backends take minutes a step here).
import {
  INFERENCE_VARIANTS,
  TRAINING_VARIANTS,
  timeCompressedInference,
  timeTraining,
  type InferenceResult,
  type TrainingResult,
  type Variant,
} from './cases';

export type PlanItem =
  | { kind: 'training'; variant: Variant; batchSize: number }
  | { kind: 'inference'; variant: Variant; batchSize: number };

export interface PlanOptions {
  warmup: number;
  steps: number;
  inferenceRuns: number;
  /** no new item starts after this many ms (the running one finishes) */
  budgetMs: number;
}

export interface SkippedItem {
  backend: string;
  item: PlanItem;
  reason: string;
}

export const BATCH_SIZES = [32, 128] as const;
export const INFERENCE_BATCH = 32;

/** Batch 32 first, then the 50%-MACs inference the targets need, then the rest. */
export function planItems(batchSizes: readonly number[] = BATCH_SIZES): PlanItem[] {
  const training = (batchSize: number): PlanItem[] =>
    TRAINING_VARIANTS.map((variant) => ({ kind: 'training', variant, batchSize }));
  const inference = (variant: Variant): PlanItem => ({
    kind: 'inference',
    variant,
    batchSize: INFERENCE_BATCH,
  });
  const [first, ...rest] = batchSizes;
  return [
    ...training(first),
    inference('macs50'),
    ...rest.flatMap(training),
    ...INFERENCE_VARIANTS.filter((v) => v !== 'macs50').map(inference),
  ];
}

export function describeItem(item: PlanItem): string {
  return `${item.kind} ${item.variant} batch ${item.batchSize}`;
}

export interface PlanResults {
  training: TrainingResult[];
  inference: InferenceResult[];
  skipped: SkippedItem[];
}

export async function runPlan(
  backend: string,
  items: readonly PlanItem[],
  options: PlanOptions,
  onProgress: (message: string) => void = () => {},
): Promise<PlanResults> {
  const results: PlanResults = { training: [], inference: [], skipped: [] };
  const started = performance.now();
  for (const item of items) {
    const elapsedMs = performance.now() - started;
    if (elapsedMs > options.budgetMs) {
      const reason = `time budget of ${(options.budgetMs / 1000).toFixed(0)} s spent`;
      results.skipped.push({ backend, item, reason });
      continue;
    }
    onProgress(`${backend}: ${describeItem(item)}`);
    try {
      if (item.kind === 'training') {
        results.training.push(await timeTraining(item.variant, item.batchSize, options));
      } else {
        results.inference.push(
          await timeCompressedInference(item.variant, item.batchSize, options.inferenceRuns),
        );
      }
    } catch (error) {
      results.skipped.push({ backend, item, reason: `failed: ${(error as Error).message}` });
    }
  }
  return results;
}
