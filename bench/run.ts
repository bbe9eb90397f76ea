// `npm run bench [-- --quick] [--skip node,chromium,pytorch] [--budget-s N] [--out file]`:
// ResNet-20 training and inference speed on Node (wasm, cpu) and in headless Chromium (webgpu,
// webgl, wasm), with PyTorch on the CPU as the reference when python3 can import torch. Prints
// markdown tables and writes bench/results.json, targets included.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { startNodeBackend } from '../scripts/lib/nodeBackend';
import { pythonWithTorch } from '../scripts/lib/twin';
import type { BenchRequest } from './browser/protocol';
import { openBenchBrowser, type BenchBrowser } from './lib/benchPage';
import { planItems, runPlan, type PlanItem, type PlanOptions, type PlanResults } from './lib/plan';
import { helpRequested, unknownOption } from '../scripts/lib/cli';
import {
  computeTargets,
  markdown,
  type BenchResults,
  type Environment,
  type PytorchResult,
  type RoundSide,
} from './lib/report';

interface Args {
  quick: boolean;
  skip: Set<string>;
  budgetS: number | null;
  out: string;
}

const USAGE = `usage: npm run bench [-- --quick] [--skip node,chromium,pytorch] [--budget-s N] [--out file]

  --quick       three rounds of the configurations the targets need (indicative verdicts)
  --skip        leave parts out: node, chromium, pytorch, or one backend (cpu, webgpu, webgl)
  --budget-s N  seconds each backend may spend (software GPU backends are slow)
  --out file    where the JSON results go (default bench/results.json)`;

const FLAGS = ['--quick', '--skip', '--budget-s', '--out', '--help'];
const SKIPPABLE = ['node', 'chromium', 'pytorch', 'cpu', 'webgpu', 'webgl'];

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, skip: new Set(), budgetS: null, out: 'bench/results.json' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--quick') args.quick = true;
    else if (flag === '--skip') args.skip = new Set((argv[++i] ?? '').split(','));
    else if (flag === '--budget-s') args.budgetS = Number(argv[++i]);
    else if (flag === '--out') args.out = argv[++i];
    else throw unknownOption(flag, FLAGS);
  }
  if (args.budgetS !== null && !(args.budgetS > 0)) throw new Error('--budget-s needs seconds > 0');
  const unknown = [...args.skip].filter((part) => !SKIPPABLE.includes(part));
  if (unknown.length) throw new Error(`--skip: unknown part ${unknown.join(', ')} (${SKIPPABLE.join(', ')})`);
  return args;
}

/** --quick keeps what the targets need: dense and full-rank steps, the 50%-MACs inference. */
function itemsFor(quick: boolean): PlanItem[] {
  const items = planItems();
  if (!quick) return items;
  return items.filter((item) =>
    item.kind === 'training' ? item.variant === 'dense' || item.variant === 'full' : item.variant === 'macs50',
  );
}

function options(quick: boolean, budgetS: number): PlanOptions {
  return quick
    ? { warmup: 1, steps: 3, inferenceRuns: 5, inferenceRepeats: 3, budgetMs: budgetS * 1000 }
    : { warmup: 2, steps: 7, inferenceRuns: 15, inferenceRepeats: 7, budgetMs: budgetS * 1000 };
}

/** Rounds of the ratios whose sides run in separate processes (a Chromium page, PyTorch). */
const roundCount = (quick: boolean) => (quick ? 3 : 7);
/** timed steps of each side in a round */
const ROUND_STEPS = 5;
/**
 * untimed steps first: a fresh page runs its first steps before V8 has optimised the kernels
 * (one warm-up step left wasm on two threads 10-30% slower than after a plan's earlier items)
 */
const ROUND_WARMUP = 3;

/** A plan's rows under their environment; `threads` on wasm rows (the threads they ran on). */
function collect(results: BenchResults, environment: Environment, plan: PlanResults, threads?: number): void {
  const extra = threads === undefined ? { environment } : { environment, threads };
  results.training.push(...plan.training.map((r) => ({ ...r, ...extra })));
  results.inference.push(...plan.inference.map((r) => ({ ...r, ...extra })));
  results.skipped.push(...plan.skipped.map((r) => ({ ...r, environment })));
}

const progress = (message: string) => console.error(`  ${message}`);

/** The results under another backend name (the same backend with another thread count). */
function relabel(plan: PlanResults, backend: string): PlanResults {
  return {
    training: plan.training.map((r) => ({ ...r, backend })),
    inference: plan.inference.map((r) => ({ ...r, backend })),
    skipped: plan.skipped.map((r) => ({ ...r, backend })),
  };
}

async function runNode(args: Args, results: BenchResults): Promise<void> {
  for (const backend of ['wasm', 'cpu', 'webgpu'] as const) {
    if (args.skip.has(backend)) continue;
    try {
      await startNodeBackend(backend);
    } catch (error) {
      // webgpu under Node needs a Vulkan device: a row that says why it is missing
      const reason = `skipped: ${(error as Error).message}`;
      results.skipped.push(...itemsFor(args.quick).map((item) => ({ environment: 'node' as const, backend, item, reason })));
      continue;
    }
    // the cpu backend is pure JavaScript (minutes a step at batch 128), webgpu here may be a
    // software Vulkan device
    const budgetS = args.budgetS ?? (backend === 'wasm' ? 3600 : args.quick ? 60 : 600);
    // Node's wasm backend runs the kernels on the calling thread alone
    const threads = backend === 'wasm' ? 1 : undefined;
    collect(results, 'node', await runPlan(backend, itemsFor(args.quick), options(args.quick, budgetS), progress), threads);
  }
}

async function runChromium(args: Args, results: BenchResults, bench: BenchBrowser): Promise<void> {
  // wasm twice: on every core (what the studio uses) and on one thread, in the same run
  const cores = cpus().length;
  const runs: { backend: string; threads?: number; label: string }[] = [
    { backend: 'webgpu', label: 'webgpu' },
    { backend: 'webgl', label: 'webgl' },
    { backend: 'wasm', label: wasmLabel(cores) },
    ...(cores > 1 ? [{ backend: 'wasm', threads: 1, label: wasmLabel(1) }] : []),
  ];
  for (const { backend, threads, label } of runs) {
    if (args.skip.has(backend)) continue;
    const budgetS = args.budgetS ?? (args.quick ? 60 : backend === 'wasm' ? 1800 : 480);
    const request: BenchRequest = { backend, threads, items: itemsFor(args.quick), options: options(args.quick, budgetS) };
    const reply = await bench.run(request, budgetS + 900, (line) => progress(`chromium ${line}`));
    if (reply?.type === 'done')
      collect(results, 'chromium', relabel(reply.results, label), backend === 'wasm' ? (threads ?? cores) : undefined);
    else {
      const reason = reply?.type === 'error' ? reply.message : 'timed out';
      results.skipped.push(...request.items.map((item) => ({ environment: 'chromium' as const, backend: label, item, reason })));
    }
  }
}

const wasmLabel = (threads: number) => `wasm, ${threads} thread${threads === 1 ? '' : 's'}`;

/** One side of a round: its median step at batch 128, or why it failed. */
type RoundRunner = () => Promise<number>;

function chromiumWasmSide(bench: BenchBrowser, threads: number): RoundRunner {
  return async () => {
    const request: BenchRequest = {
      backend: 'wasm',
      threads,
      items: [{ kind: 'training', variant: 'dense', batchSize: 128 }],
      options: { warmup: ROUND_WARMUP, steps: ROUND_STEPS, inferenceRuns: 0, inferenceRepeats: 0, budgetMs: 600_000 },
    };
    const reply = await bench.run(request, 900, () => {});
    if (reply?.type === 'error') throw new Error(reply.message);
    if (reply?.type !== 'done') throw new Error('timed out');
    const [row] = reply.results.training;
    if (!row) throw new Error(reply.results.skipped[0]?.reason ?? 'not measured');
    return row.stepMs;
  };
}

/** The PyTorch reference's training step, one result a batch size; throws why it failed. */
function runReference(python: string, batches: string, steps: number): PytorchResult[] {
  const run = spawnSync(python, ['-m', 'lowrank_studio.reference', '--batches', batches, '--steps', String(steps)], { cwd: 'python', encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`the PyTorch script failed: ${run.stderr.trim().split('\n').pop()}`);
  return run.stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as PytorchResult);
}

const pytorchSide = (python: string): RoundRunner => async () => runReference(python, '128', ROUND_STEPS)[0].stepMs;

/**
 * The ratios between processes, timed in rounds: every side once a round, in an order that
 * turns each round, so the machine's drift between minutes reaches both sides of a ratio alike.
 */
async function runRounds(args: Args, results: BenchResults, bench: BenchBrowser | null, python: string | null): Promise<void> {
  const cores = cpus().length;
  const sides: { side: RoundSide; run: RoundRunner; failed?: boolean }[] = [];
  const side = (label: string, environment: RoundSide['environment'], threads: number, run: RoundRunner) =>
    sides.push({ side: { label, environment, threads, batchSize: 128, samplesMs: [] }, run });
  if (bench) {
    side(`Chromium ${wasmLabel(cores)}`, 'chromium', cores, chromiumWasmSide(bench, cores));
    if (cores > 1) side(`Chromium ${wasmLabel(1)}`, 'chromium', 1, chromiumWasmSide(bench, 1));
  }
  const torch = results.pytorch.results[0];
  if (python) side(`PyTorch ${torch?.torch ?? ''} CPU`, 'python', torch?.threads ?? cores, pytorchSide(python));
  if (sides.length < 2) return;
  const rounds = roundCount(args.quick);
  for (let round = 0; round < rounds; round++) {
    progress(`round ${round + 1} of ${rounds}: ${sides.map((s) => s.side.label).join(', ')}`);
    for (let k = 0; k < sides.length; k++) {
      const entry = sides[(round + k) % sides.length];
      if (entry.failed) continue;
      try {
        entry.side.samplesMs.push(await entry.run());
      } catch (error) {
        // a side that fails drops out of every ratio rather than pairing samples of other rounds
        progress(`${entry.side.label}: ${(error as Error).message}`);
        entry.failed = true;
      }
    }
  }
  results.rounds = sides.filter((s) => !s.failed).map((s) => s.side);
}

function runPytorch(args: Args, results: BenchResults, python: string | null): void {
  if (!python) {
    results.pytorch = { available: false, reason: 'no python3 here can import torch (Debian: apt-get install python3-torch)', results: [] };
    return;
  }
  progress(`pytorch (${python})`);
  try {
    results.pytorch = { available: true, results: runReference(python, '32,128', args.quick ? 3 : 10) };
  } catch (error) {
    results.pytorch = { available: false, reason: (error as Error).message, results: [] };
  }
}

async function main(): Promise<void> {
  if (helpRequested(process.argv.slice(2))) {
    console.log(USAGE);
    return;
  }
  const args = parseArgs(process.argv.slice(2));
  const results: BenchResults = {
    createdAt: new Date().toISOString(),
    quick: args.quick,
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version, chromium: null },
    training: [],
    inference: [],
    skipped: [],
    pytorch: { available: false, reason: 'skipped (--skip pytorch)', results: [] },
    rounds: [],
    targets: [],
  };
  const python = args.skip.has('pytorch') ? null : (pythonWithTorch() ?? null);
  if (!args.skip.has('pytorch')) runPytorch(args, results, python);
  if (!args.skip.has('node')) await runNode(args, results);
  const bench = args.skip.has('chromium') ? null : await openBenchBrowser();
  try {
    if (bench) {
      results.machine.chromium = bench.browser.version();
      await runChromium(args, results, bench);
    }
    await runRounds(args, results, bench, results.pytorch.available ? python : null);
  } finally {
    await bench?.close();
  }
  results.targets = computeTargets(results);
  mkdirSync(dirname(resolve(args.out)), { recursive: true });
  writeFileSync(args.out, JSON.stringify(results, null, 2));
  console.log(markdown(results));
  console.error(`\nwrote ${args.out}`);
}

main().catch((error: unknown) => {
  console.error(`bench: ${(error as Error).message}`);
  process.exit(1);
});
