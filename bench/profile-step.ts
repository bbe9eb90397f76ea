// `npx tsx bench/profile-step.ts [--batch 128] [--threads N] [--reps R] [--steps S]`: where a
// ResNet-20 training step spends its time on the wasm backend in Node. Prints (a) per conv shape
// the forward conv and both gradients, and (b) the share of a dense and a lowrank step taken by
// batch norm, the conv gradients, the forward convs and the rest, from every wasm kernel timed.
// --no-simd runs the JavaScript loops in place of the SIMD kernels (src/kernels/simd), to compare;
// --browser profiles the step in Chromium's worker on one thread and on every core instead.
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { cpus } from 'node:os';
import type { BenchRequest } from './browser/protocol';
import { openBenchBrowser } from './lib/benchPage';
import { otherKernels, profileTable, profileTrainingStep, type StepProfile } from './lib/stepProfile';
import { convTableMarkdown, timeConvKernels, type ConvTiming } from './lib/convTable';
import { helpRequested, unknownOption } from '../scripts/lib/cli';
import { startNodeBackend } from '../scripts/lib/nodeBackend';
import { setSimdKernelsEnabled } from '../src/kernels/wasmSimd';

const USAGE = `usage: npx tsx bench/profile-step.ts [--batch 128] [--threads 1] [--reps 7] [--steps 3]
       [--no-simd] [--browser]

  --batch B    batch size, or a list (32,128): conv table for each, step profile for the last
  --threads N  wasm threads; TF.js runs wasm on one thread in Node (tfjs issue 3830), so only 1
  --reps R     timed repetitions of each conv kernel (the median is shown)
  --steps S    timed training steps per model after one warm-up step
  --no-simd    the JavaScript loops instead of the SIMD kernels (batch norm, filter gradient)
  --browser    the step profile in Chromium's worker instead, on one thread and on every core`;

const FLAGS = ['--batch', '--threads', '--reps', '--steps', '--no-simd', '--browser', '--help'];

function parseArgs(argv: string[]) {
  const args = { batches: [128], threads: 1, reps: 7, steps: 3, simd: true, browser: false };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1] ?? '';
    if (argv[i] === '--no-simd' || argv[i] === '--browser') {
      if (argv[i] === '--no-simd') args.simd = false;
      else args.browser = true;
      continue;
    }
    if (argv[i] === '--batch') args.batches = value.split(',').map(Number);
    else if (argv[i] === '--threads') args.threads = Number(value);
    else if (argv[i] === '--reps') args.reps = Number(value);
    else if (argv[i] === '--steps') args.steps = Number(value);
    else throw unknownOption(argv[i], FLAGS);
    i++;
  }
  const counts = [...args.batches, args.threads, args.reps, args.steps];
  if (!counts.every((n) => Number.isInteger(n) && n > 0)) throw new Error('counts must be > 0');
  if (args.threads !== 1) {
    throw new Error("TF.js's wasm backend has no threads in Node: profile threads in the browser");
  }
  return args;
}

function convTable(batch: number, reps: number): void {
  console.log(`\n### Conv kernels, batch ${batch} (median of ${reps}, ms)\n`);
  console.log(convTableMarkdown([{ label: 'Node 1T', rows: timeConvKernels(batch, reps) }]));
}

function printProfiles(title: string, columns: { label: string; profile: StepProfile }[]): void {
  const { variant, batchSize, stepMs } = columns[0].profile;
  console.log(`\n### ${title} ${variant}, batch ${batchSize} (ms per step; ${stepMs.length} timed steps)\n`);
  console.log(profileTable(columns));
  for (const { label, profile } of columns) {
    const top = otherKernels(profile).map(([name, ms]) => `${name} ${ms.toFixed(0)}`);
    console.log(`\nlargest other kernels (${label}): ${top.join(', ')} ms`);
  }
}

/** The same profile in Chromium's training worker, on one thread and on every core. */
async function browserProfiles(batch: number, steps: number): Promise<void> {
  const bench = await openBenchBrowser();
  try {
    const cores = cpus().length;
    const byThreads: { label: string; profiles: StepProfile[]; convs: ConvTiming[] }[] = [];
    for (const threads of cores > 1 ? [1, cores] : [1]) {
      const request: BenchRequest = {
        backend: 'wasm',
        threads,
        items: [],
        options: { warmup: 1, steps, inferenceRuns: 0, inferenceRepeats: 0, budgetMs: 0 },
        profile: { variants: ['dense', 'full'], batchSize: batch, steps, convReps: 5 },
      };
      const reply = await bench.run(request, 1800, (line) => console.error(`chromium ${line}`));
      if (reply?.type !== 'profiled') {
        throw new Error(reply?.type === 'error' ? reply.message : 'the browser profile timed out');
      }
      console.log(`${reply.threads} wasm thread(s): ${reply.note}`);
      byThreads.push({ label: `${reply.threads}T`, profiles: reply.profiles, convs: reply.convs });
    }
    console.log(`Chromium ${bench.browser.version()}, TF.js wasm, ${cores} core(s)`);
    console.log(`\n### Chromium conv kernels, batch ${batch} (median of 5, ms)\n`);
    console.log(convTableMarkdown(byThreads.map(({ label, convs }) => ({ label, rows: convs }))));
    byThreads[0].profiles.forEach((_, i) =>
      printProfiles(
        'Chromium',
        byThreads.map(({ label, profiles }) => ({ label, profile: profiles[i] })),
      ),
    );
  } finally {
    await bench.close();
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (helpRequested(argv)) {
    console.log(USAGE);
    return;
  }
  const args = parseArgs(argv);
  if (args.browser) {
    await browserProfiles(args.batches[args.batches.length - 1], args.steps);
    return;
  }
  await startNodeBackend('wasm');
  setSimdKernelsEnabled(args.simd);
  const kernels = args.simd ? 'SIMD kernels' : 'JavaScript loops (--no-simd)';
  console.log(
    `TF.js ${tf.getBackend()}, ${getThreadsCount()} thread(s), Node ${process.version}, ${kernels}`,
  );
  for (const batch of args.batches) convTable(batch, args.reps);
  const batch = args.batches[args.batches.length - 1];
  for (const variant of ['dense', 'full'] as const) {
    const profile = await profileTrainingStep(variant, batch, args.steps);
    printProfiles('Node', [{ label: 'Node 1T', profile }]);
  }
}

main().catch((error: Error) => {
  console.error(`profile-step: ${error.message}\n\n${USAGE}`);
  process.exit(1);
});
