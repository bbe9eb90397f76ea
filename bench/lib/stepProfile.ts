// Where a ResNet-20 training step spends its time on the wasm backend, kernel by kernel: shared by
// `bench/profile-step.ts` in Node (one thread) and the benchmark page in Chromium (threads), so
// the two profiles are the same measurement.
import * as tf from '@tensorflow/tfjs';
import { benchTrainer, type Variant } from './cases';
import { median } from '../../src/stats';
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD } from '../../src/kernels/kernelNames';

export interface StepProfile {
  variant: Variant;
  batchSize: number;
  /** wall ms of each timed step */
  stepMs: number[];
  /** summed wall ms of each outermost wasm kernel over the timed steps */
  kernelMs: Record<string, number>;
}

const CATEGORIES: Record<string, string> = {
  [BATCH_NORM_TRAIN]: 'batch norm',
  [BATCH_NORM_TRAIN_GRAD]: 'batch norm',
  Conv2DBackpropFilter: 'filter grad',
  Conv2DBackpropInput: 'input grad',
  Conv2D: 'forward conv',
  FusedConv2D: 'forward conv',
};
const OUTSIDE = 'outside kernels (JS, engine)';

let timing: Map<string, number> | null = null;
let wrapped = false;

/** Wraps every wasm kernel once so that a profile can sum their times (a nested call counts for
 * its outer kernel). Costs one performance.now() pair per kernel call when not profiling. */
function wrapWasmKernels(): void {
  if (wrapped) return;
  wrapped = true;
  let depth = 0;
  for (const config of tf.getKernelsForBackend('wasm')) {
    const inner = config.kernelFunc;
    tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        const started = performance.now();
        depth++;
        try {
          return inner(args);
        } finally {
          depth--;
          if (timing && depth === 0) {
            const ms = performance.now() - started;
            timing.set(config.kernelName, (timing.get(config.kernelName) ?? 0) + ms);
          }
        }
      },
    });
  }
}

/** Times `steps` training steps after one warm-up step, with every wasm kernel's share. */
export async function profileTrainingStep(
  variant: Variant,
  batchSize: number,
  steps: number,
): Promise<StepProfile> {
  wrapWasmKernels();
  const trainer = await benchTrainer(variant, batchSize, steps + 1);
  const stepMs: number[] = [];
  const kernelMs = new Map<string, number>();
  try {
    for (let i = 0; i <= steps; i++) {
      timing = i > 0 ? kernelMs : null;
      const started = performance.now();
      trainer.trainStep();
      await trainer.readStepMetrics();
      if (i > 0) stepMs.push(performance.now() - started);
    }
  } finally {
    timing = null;
    trainer.dispose();
  }
  return { variant, batchSize, stepMs, kernelMs: Object.fromEntries(kernelMs) };
}

/** ms per step of each part of a step: the named kernel groups, the other kernels, and the rest. */
export function stepParts(profile: StepProfile): Map<string, number> {
  const steps = profile.stepMs.length;
  const total = profile.stepMs.reduce((a, b) => a + b, 0);
  const parts = new Map<string, number>();
  let kernels = 0;
  for (const [name, ms] of Object.entries(profile.kernelMs)) {
    const part = CATEGORIES[name] ?? 'other kernels';
    parts.set(part, (parts.get(part) ?? 0) + ms / steps);
    kernels += ms;
  }
  parts.set(OUTSIDE, (total - kernels) / steps);
  return parts;
}

/** The kernels outside the named groups, largest first, in ms per step. */
export function otherKernels(profile: StepProfile, count = 6): [string, number][] {
  const steps = profile.stepMs.length;
  return Object.entries(profile.kernelMs)
    .filter(([name]) => !CATEGORIES[name])
    .map(([name, ms]): [string, number] => [name, ms / steps])
    .sort((a, b) => b[1] - a[1])
    .slice(0, count);
}

/**
 * One markdown table of several profiles of the same step (e.g. 1 and 2 threads): ms per step of
 * each part, with the speed-up of each later column over the first.
 */
export function profileTable(columns: { label: string; profile: StepProfile }[]): string {
  const parts = columns.map(({ profile }) => stepParts(profile));
  const names = [...new Set(parts.flatMap((p) => [...p.keys()]))];
  const steps = columns.map(({ profile }) => median(profile.stepMs));
  const header = columns.map(({ label }) => `${label} ms`);
  const ratios = columns.slice(1).map(({ label }) => `${columns[0].label} / ${label}`);
  const row = (name: string, values: number[]) => {
    const shares = values.map((ms, i) => `${ms.toFixed(0)} (${((100 * ms) / steps[i]).toFixed(1)}%)`);
    const gains = values.slice(1).map((ms) => (ms > 0 ? `${(values[0] / ms).toFixed(2)}x` : '-'));
    return `| ${name} | ${[...shares, ...gains].join(' | ')} |`;
  };
  return [
    `| part | ${[...header, ...ratios].join(' | ')} |`,
    `|---|${[...header, ...ratios].map(() => '---:').join('|')}|`,
    ...names.map((name) => row(name, parts.map((p) => p.get(name) ?? 0))),
    row('**step**', steps),
  ].join('\n');
}
