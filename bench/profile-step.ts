// `npx tsx bench/profile-step.ts [--batch 128] [--threads N] [--reps R] [--steps S]`: where a
// ResNet-20 training step spends its time on the wasm backend in Node. Prints (a) per conv shape
// the forward conv and both gradients, and (b) the share of a dense and a lowrank step taken by
// batch norm, the conv gradients, the forward convs and the rest, from every wasm kernel timed.
// --no-simd runs the JavaScript loops in place of the SIMD kernels (src/kernels/simd), to compare.
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { benchTrainer, type Variant } from './lib/cases';
import { helpRequested, unknownOption } from '../scripts/lib/cli';
import { startNodeBackend } from '../scripts/lib/nodeBackend';
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD } from '../src/kernels/wasmBatchNorm';
import { setSimdKernelsEnabled } from '../src/kernels/wasmSimd';

const USAGE = `usage: npx tsx bench/profile-step.ts [--batch 128] [--threads 1] [--reps 7] [--steps 3]
       [--no-simd]

  --batch B    batch size, or a list (32,128): conv table for each, step profile for the last
  --threads N  wasm threads; TF.js runs wasm on one thread in Node (tfjs issue 3830), so only 1
  --reps R     timed repetitions of each conv kernel (the median is shown)
  --steps S    timed training steps per model after one warm-up step
  --no-simd    the JavaScript loops instead of the SIMD kernels (batch norm, im2col)`;

const FLAGS = ['--batch', '--threads', '--reps', '--steps', '--no-simd', '--help'];

function parseArgs(argv: string[]) {
  const args = { batches: [128], threads: 1, reps: 7, steps: 3, simd: true };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1] ?? '';
    if (argv[i] === '--no-simd') {
      args.simd = false;
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

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];

// [input size, in channels, out channels, stride]: ResNet-20's 3x3 convs, padding 'same'
const SHAPES: [number, number, number, number][] = [
  [32, 3, 16, 1],
  [32, 16, 16, 1],
  [32, 16, 32, 2],
  [16, 32, 32, 1],
  [16, 32, 64, 2],
  [8, 64, 64, 1],
];

/** Median ms of one kernel call; fresh tensors each time, as a training step has. */
function timeKernel(reps: number, make: () => tf.Tensor[], run: (t: tf.Tensor[]) => tf.Tensor) {
  const times: number[] = [];
  for (let i = 0; i <= reps; i++) {
    const inputs = make();
    const started = performance.now();
    const out = run(inputs);
    if (i > 0) times.push(performance.now() - started);
    tf.dispose([...inputs, out]);
  }
  return median(times);
}

function convTable(batch: number, reps: number): void {
  console.log(`\n### Conv kernels, batch ${batch} (median of ${reps}, ms)\n`);
  console.log('| shape | forward | filter grad | input grad | filter / forward |');
  console.log('|---|---:|---:|---:|---:|');
  for (const [size, cin, cout, stride] of SHAPES) {
    const out = Math.ceil(size / stride);
    const x = () => tf.randomNormal([batch, size, size, cin]);
    const w = () => tf.randomNormal([3, 3, cin, cout]);
    const dy = () => tf.randomNormal([batch, out, out, cout]);
    const attrs = { strides: stride, pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined };
    const forward = timeKernel(reps, () => [x(), w()], ([a, b]) =>
      tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, 'same'),
    );
    const filter = timeKernel(reps, () => [x(), dy()], ([a, b]) =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x: a, dy: b }, {
        ...attrs,
        filterShape: [3, 3, cin, cout],
      } as unknown as tf.NamedAttrMap) as tf.Tensor,
    );
    const input = timeKernel(reps, () => [dy(), w()], ([a, b]) =>
      tf.engine().runKernel('Conv2DBackpropInput', { dy: a, filter: b }, {
        ...attrs,
        inputShape: [batch, size, size, cin],
      } as unknown as tf.NamedAttrMap) as tf.Tensor,
    );
    const name = `${cin}->${cout} @${size}x${size}${stride > 1 ? ' s2' : ''}`;
    const cells = [forward, filter, input].map((ms) => ms.toFixed(1));
    console.log(`| ${name} | ${cells.join(' | ')} | ${(filter / forward).toFixed(2)}x |`);
  }
}

const CATEGORIES: Record<string, string> = {
  [BATCH_NORM_TRAIN]: 'batch norm',
  [BATCH_NORM_TRAIN_GRAD]: 'batch norm',
  Conv2DBackpropFilter: 'filter grad',
  Conv2DBackpropInput: 'input grad',
  Conv2D: 'forward conv',
  FusedConv2D: 'forward conv',
};

/** Kernel ms by name while recording; a kernel run inside another counts for the outer one. */
const kernelMs = new Map<string, number>();
let recording = false;

function wrapWasmKernels(): void {
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
          if (recording && depth === 0) {
            const ms = performance.now() - started;
            kernelMs.set(config.kernelName, (kernelMs.get(config.kernelName) ?? 0) + ms);
          }
        }
      },
    });
  }
}

async function profileStep(label: string, variant: Variant, batch: number, steps: number) {
  const trainer = await benchTrainer(variant, batch, steps + 1);
  const stepTimes: number[] = [];
  kernelMs.clear();
  try {
    for (let i = 0; i <= steps; i++) {
      recording = i > 0;
      const started = performance.now();
      trainer.trainStep();
      await trainer.readStepMetrics();
      if (recording) stepTimes.push(performance.now() - started);
    }
  } finally {
    recording = false;
    trainer.dispose();
  }
  const total = stepTimes.reduce((a, b) => a + b, 0);
  const shares = new Map<string, number>();
  let kernels = 0;
  const others: [string, number][] = [];
  for (const [name, ms] of kernelMs) {
    const category = CATEGORIES[name] ?? 'other kernels';
    shares.set(category, (shares.get(category) ?? 0) + ms);
    if (!CATEGORIES[name]) others.push([name, ms]);
    kernels += ms;
  }
  shares.set('outside kernels (JS, engine)', total - kernels);
  console.log(`\n### ${label}, batch ${batch}: step ${median(stepTimes).toFixed(0)} ms`);
  console.log(`(median of ${steps}; shares of all ${steps} steps)\n`);
  console.log('| part | ms / step | share |');
  console.log('|---|---:|---:|');
  for (const [category, ms] of shares) {
    console.log(`| ${category} | ${(ms / steps).toFixed(0)} | ${((100 * ms) / total).toFixed(1)}% |`);
  }
  const top = others.sort((a, b) => b[1] - a[1]).slice(0, 6);
  console.log(`\nlargest other kernels: ${top.map(([n, ms]) => `${n} ${(ms / steps).toFixed(0)}`).join(', ')} ms`);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (helpRequested(argv)) {
    console.log(USAGE);
    return;
  }
  const args = parseArgs(argv);
  await startNodeBackend('wasm');
  setSimdKernelsEnabled(args.simd);
  const kernels = args.simd ? 'SIMD kernels' : 'JavaScript loops (--no-simd)';
  console.log(
    `TF.js ${tf.getBackend()}, ${getThreadsCount()} thread(s), Node ${process.version}, ${kernels}`,
  );
  for (const batch of args.batches) convTable(batch, args.reps);
  wrapWasmKernels();
  const batch = args.batches[args.batches.length - 1];
  await profileStep('ResNet-20 dense', 'dense', batch, args.steps);
  await profileStep('ResNet-20 lowrank (full rank)', 'full', batch, args.steps);
}

main().catch((error: Error) => {
  console.error(`profile-step: ${error.message}\n\n${USAGE}`);
  process.exit(1);
});
