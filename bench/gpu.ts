// `npm run bench:gpu -- [--batches 128,512] [--steps N] [--budget-s S] [--out file]`: ResNet-20
// training images/s (dense, and factorised at full, 50% and 25% rank) and the exported compressed
// model's inference latency, on TF.js's WebGPU backend under Node (Dawn's Node binding, Vulkan),
// without a browser. `npm run pack:gpu-bench` packs this into one folder for a GPU server.
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { describeItem, runPlan, type PlanItem } from './lib/plan';
import { INFERENCE_VARIANTS, TRAINING_VARIANTS, VARIANT_LABELS } from './lib/cases';
import { describeAdapter, installNodeWebgpu } from '../scripts/lib/nodeWebgpu';
import { watchGpuErrors } from '../src/worker/gpuErrors';

const USAGE = `usage: bench:gpu [--batches 128,512] [--steps N] [--budget-s S] [--out file]

  --batches   training batch sizes (default 128,512)
  --steps     timed steps per configuration, after 2 untimed (default 10)
  --budget-s  no new configuration starts after this many seconds (default 600)
  --out       where the JSON results go (default gpu-bench.json)`;

interface Args {
  batches: number[];
  steps: number;
  budgetS: number;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { batches: [128, 512], steps: 10, budgetS: 600, out: 'gpu-bench.json' };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[++i]];
    if (flag === '--batches') args.batches = value.split(',').map(Number);
    else if (flag === '--steps') args.steps = Number(value);
    else if (flag === '--budget-s') args.budgetS = Number(value);
    else if (flag === '--out') args.out = value;
    else throw new Error(`unknown option ${flag}\n${USAGE}`);
  }
  if (args.batches.some((b) => !(b > 0)) || !(args.steps > 0) || !(args.budgetS > 0))
    throw new Error(`batch sizes, steps and the budget must be positive numbers\n${USAGE}`);
  return args;
}

export function gpuBenchItems(batches: readonly number[]): PlanItem[] {
  return [
    ...batches.flatMap((batchSize) =>
      TRAINING_VARIANTS.map((variant): PlanItem => ({ kind: 'training', variant, batchSize })),
    ),
    ...INFERENCE_VARIANTS.map((variant): PlanItem => ({ kind: 'inference', variant, batchSize: 32 })),
  ];
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const args = parseArgs(argv);
  tf.env().set('PROD', true);
  const adapter = await installNodeWebgpu();
  if (!(await tf.setBackend('webgpu'))) throw new Error('the webgpu backend did not start');
  await tf.ready();
  const gpuErrors: string[] = [];
  watchGpuErrors((message) => gpuErrors.push(message));
  console.error(`webgpu on ${describeAdapter(adapter)}, TF.js ${tf.version.tfjs}, Node ${process.version}`);
  const results = await runPlan(
    'webgpu',
    gpuBenchItems(args.batches),
    { warmup: 2, steps: args.steps, inferenceRuns: 20, inferenceRepeats: 5, budgetMs: args.budgetS * 1000 },
    (message) => console.error(`  ${message}`),
  );
  const lines = [
    `ResNet-20 on TF.js webgpu (Node, Dawn), ${describeAdapter(adapter)}`,
    '',
    '| model | batch | step ms | images/s |',
    '|---|---|---|---|',
    ...results.training.map(
      (r) =>
        `| ${VARIANT_LABELS[r.variant]} | ${r.batchSize} | ${r.stepMs.toFixed(1)} | ${r.imagesPerSecond.toFixed(0)} |`,
    ),
    '',
    '| exported model | batch | compressed ms | dense ms | speed-up | MACs kept |',
    '|---|---|---|---|---|---|',
    ...results.inference.map(
      (r) =>
        `| ${VARIANT_LABELS[r.variant]} | ${r.batchSize} | ${r.compressedMs.toFixed(2)} | ${r.denseMs.toFixed(2)} | ${r.speedup.toFixed(2)}x | ${(100 / r.macsRatio).toFixed(0)}% |`,
    ),
    ...results.skipped.map((s) => `- skipped ${describeItem(s.item)}: ${s.reason}`),
  ];
  console.log(lines.join('\n'));
  if (gpuErrors.length)
    throw new Error(`${gpuErrors.length} WebGPU errors, the first: ${gpuErrors[0]}`);
  writeFileSync(
    args.out,
    JSON.stringify({ adapter, tfjs: tf.version.tfjs, node: process.version, ...results }, null, 2),
  );
}

if (process.argv[1]?.match(/gpu\.(ts|mjs)$/) || process.argv[1]?.endsWith('bench.mjs'))
  main()
    .then(() => process.exit(0))
    .catch((error: Error) => {
      console.error(`bench:gpu: ${error.message}`);
      process.exit(1);
    });
