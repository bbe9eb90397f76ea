// What one backend measures, in priority order, and a runner that stops starting new items once
// the backend's time budget is spent (software GPU backends take minutes a step here).
import {
  INFERENCE_VARIANTS,
  TRAINING_VARIANTS,
  timeCompressedInference,
  timeTrainingRounds,
  type InferenceResult,
  type TrainingResult,
  type Variant,
} from './cases';

export type PlanItem =
  | { kind: 'training'; variant: Variant; batchSize: number }
  | { kind: 'inference'; variant: Variant; batchSize: number };

export interface PlanOptions {
  warmup: number;
  /** timed steps of each training variant, one a round */
  steps: number;
  inferenceRuns: number;
  /** inference timings of each variant, each over inferenceRuns runs */
  inferenceRepeats: number;
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

/** The items in order, each batch size's training variants as one group (timed together). */
function groups(items: readonly PlanItem[]): PlanItem[][] {
  const out: PlanItem[][] = [];
  const training = new Map<number, PlanItem[]>();
  for (const item of items) {
    if (item.kind === 'inference') {
      out.push([item]);
      continue;
    }
    const group = training.get(item.batchSize);
    if (group) group.push(item);
    else {
      training.set(item.batchSize, [item]);
      out.push(training.get(item.batchSize)!);
    }
  }
  return out;
}

export async function runPlan(
  backend: string,
  items: readonly PlanItem[],
  options: PlanOptions,
  onProgress: (message: string) => void = () => {},
): Promise<PlanResults> {
  const results: PlanResults = { training: [], inference: [], skipped: [] };
  const deadline = performance.now() + options.budgetMs;
  for (const group of groups(items)) {
    if (performance.now() > deadline) {
      const reason = `time budget of ${(options.budgetMs / 1000).toFixed(0)} s spent`;
      results.skipped.push(...group.map((item) => ({ backend, item, reason })));
      continue;
    }
    const [first] = group;
    onProgress(`${backend}: ${group.map(describeItem).join(', ')}`);
    try {
      if (first.kind === 'training') {
        const variants = group.map((item) => item.variant);
        results.training.push(
          ...(await timeTrainingRounds(variants, first.batchSize, { ...options, deadline })),
        );
      } else {
        results.inference.push(
          await timeCompressedInference(
            first.variant,
            first.batchSize,
            options.inferenceRuns,
            options.inferenceRepeats,
          ),
        );
      }
    } catch (error) {
      const reason = `failed: ${(error as Error).message}`;
      results.skipped.push(...group.map((item) => ({ backend, item, reason })));
    }
  }
  return results;
}
