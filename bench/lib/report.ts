// Results of `npm run bench`: the targets of the speed issue, and the markdown tables.
import { VARIANT_LABELS, type InferenceResult, type TrainingResult } from './cases';
import { describeItem, type SkippedItem } from './plan';
import { median } from '../../src/stats';

/** Where a measurement ran: Node or headless Chromium, and which TF.js backend. */
export type Environment = 'node' | 'chromium';

export interface EnvTraining extends TrainingResult {
  environment: Environment;
  /** wasm: the threads it trained on (the backend label says it too, for people) */
  threads?: number;
}
export interface EnvInference extends InferenceResult {
  environment: Environment;
  threads?: number;
}
export interface EnvSkipped extends SkippedItem {
  environment: Environment;
}

export interface PytorchResult {
  batch: number;
  stepMs: number;
  imagesPerSecond: number;
  threads: number;
  torch: string;
}

/**
 * One side of a ratio measured in another process (a Chromium page, PyTorch): the sides of a
 * ratio are timed in rounds, each round one measurement of every side back to back, so
 * samplesMs[i] of two sides are a pair.
 */
export interface RoundSide {
  label: string;
  environment: Environment | 'python';
  /** the most threads it was given (Chromium's wasm: the kernel threads) */
  threads: number;
  batchSize: number;
  /** median step ms of each round */
  samplesMs: number[];
}

export interface Target {
  name: string;
  /** the median of the samples, or null when its inputs were not measured */
  measured: number | null;
  /** the ratio in each round or repeat, in the order measured */
  samples: number[];
  /** the lowest and highest sample */
  spread: [number, number] | null;
  threshold: number;
  comparison: '>=' | '<=';
  /** judged on the median */
  met: boolean | null;
  /** the samples fall on both sides of the threshold: another run may judge otherwise */
  straddles: boolean;
  basis: string;
}

export interface BenchResults {
  createdAt: string;
  quick: boolean;
  machine: { cpus: number; cpuModel: string; node: string; chromium: string | null };
  training: EnvTraining[];
  inference: EnvInference[];
  skipped: EnvSkipped[];
  pytorch: { available: boolean; reason?: string; results: PytorchResult[] };
  /** the cross-process ratios' sides, timed in rounds */
  rounds: RoundSide[];
  targets: Target[];
}

function target(
  name: string,
  samples: number[] | null,
  comparison: Target['comparison'],
  threshold: number,
  basis: string,
): Target {
  const valid = (samples ?? []).filter(Number.isFinite);
  if (!valid.length)
    return { name, measured: null, samples: [], spread: null, threshold, comparison, met: null, straddles: false, basis };
  const passes = (value: number) => (comparison === '>=' ? value >= threshold : value <= threshold);
  const measured = median(valid);
  const spread: [number, number] = [Math.min(...valid), Math.max(...valid)];
  const straddles = passes(spread[0]) !== passes(spread[1]);
  return { name, measured, samples: valid, spread, threshold, comparison, met: passes(measured), straddles, basis };
}

/** a[i] / b[i] for the rounds both sides have */
const pairedRatios = (a: readonly number[], b: readonly number[]) =>
  a.slice(0, Math.min(a.length, b.length)).map((value, i) => value / b[i]);

/** A row's step samples (a results file from before the samples: its median alone). */
const stepSamples = (row: TrainingResult) => row.samplesMs ?? [row.stepMs];

function findTraining(
  results: Pick<BenchResults, 'training'>,
  environment: Environment,
  backend: string,
  variant: string,
  batchSize: number,
) {
  return results.training.find(
    (r) =>
      r.environment === environment &&
      r.backend === backend &&
      r.variant === variant &&
      r.batchSize === batchSize,
  );
}

/** Chromium's wasm run on the most threads (the studio's setting), and its one-thread run. */
function chromiumWasmLabels(results: Pick<BenchResults, 'training'>) {
  const labels = [
    ...new Set(
      results.training
        .filter((r) => r.environment === 'chromium' && r.backend.startsWith('wasm'))
        .map((r) => r.backend),
    ),
  ];
  const threadsOf = new Map(
    results.training.map((r) => [r.backend, r.threads ?? Number(/(\d+) thread/.exec(r.backend)?.[1] ?? 1)]),
  );
  const threads = (label: string) => threadsOf.get(label) ?? 1;
  labels.sort((a, b) => threads(b) - threads(a));
  const allThreads = labels[0];
  const oneThread = labels.find((label) => threads(label) === 1 && label !== allThreads);
  return { allThreads, oneThread };
}

const roundsOf = (results: Pick<BenchResults, 'rounds'>, environment: RoundSide['environment']) =>
  (results.rounds ?? [])
    .filter((side) => side.environment === environment && side.batchSize === 128)
    .sort((a, b) => b.threads - a.threads);

/** The speed issue's targets; each says what it was measured on, or that it was not. */
export function computeTargets(
  results: Pick<BenchResults, 'training' | 'inference' | 'pytorch' | 'rounds'>,
): Target[] {
  const torch128 = results.pytorch.results.find((r) => r.batch === 128);
  const { allThreads, oneThread } = chromiumWasmLabels(results);
  const torchRounds = roundsOf(results, 'python')[0];
  const [wasmRounds, oneThreadRounds] = roundsOf(results, 'chromium');
  // the browser's wasm on every core, else Node's (one thread) where Chromium did not run
  const wasm128 = allThreads
    ? { row: findTraining(results, 'chromium', allThreads, 'dense', 128), on: `Chromium ${allThreads}` }
    : { row: findTraining(results, 'node', 'wasm', 'dense', 128), on: 'Node wasm' };
  const torchTarget = (() => {
    if (torchRounds && wasmRounds)
      return {
        samples: pairedRatios(torchRounds.samplesMs, wasmRounds.samplesMs),
        basis: `${wasmRounds.label} dense ResNet-20 vs PyTorch (${torchRounds.threads} thread(s)), ${Math.min(torchRounds.samplesMs.length, wasmRounds.samplesMs.length)} interleaved rounds`,
      };
    if (!torch128) return { samples: null, basis: 'PyTorch not available on this machine' };
    return {
      samples: wasm128.row ? [wasm128.row.imagesPerSecond / torch128.imagesPerSecond] : null,
      basis: `${wasm128.on} dense ResNet-20 vs PyTorch ${torch128.torch} (${torch128.threads} thread(s)), one measurement each`,
    };
  })();
  const threadsTarget = (() => {
    if (wasmRounds && oneThreadRounds?.threads === 1)
      return {
        samples: pairedRatios(oneThreadRounds.samplesMs, wasmRounds.samplesMs),
        basis: `${wasmRounds.label} vs ${oneThreadRounds.label}, dense ResNet-20, ${Math.min(wasmRounds.samplesMs.length, oneThreadRounds.samplesMs.length)} interleaved rounds`,
      };
    const fast = allThreads && findTraining(results, 'chromium', allThreads, 'dense', 128);
    const slow = oneThread && findTraining(results, 'chromium', oneThread, 'dense', 128);
    return fast && slow
      ? { samples: [slow.stepMs / fast.stepMs], basis: `Chromium ${allThreads} vs ${oneThread}, dense ResNet-20, one measurement each` }
      : { samples: null, basis: 'Chromium wasm not measured on several threads' };
  })();
  const fullRankSamples = (batchSize: number) => {
    const dense = findTraining(results, 'node', 'wasm', 'dense', batchSize);
    const full = findTraining(results, 'node', 'wasm', 'full', batchSize);
    return dense && full ? pairedRatios(stepSamples(full), stepSamples(dense)) : null;
  };
  const halfMacs = results.inference.find(
    (r) => r.environment === 'node' && r.backend === 'wasm' && r.variant === 'macs50',
  );
  return [
    target('wasm training images/s vs PyTorch CPU (all cores), batch 128', torchTarget.samples, '>=', 0.33, torchTarget.basis),
    target('wasm on every core vs one thread, training batch 128', threadsTarget.samples, '>=', 1.7, threadsTarget.basis),
    ...[128, 32].map((batchSize) =>
      target(
        `factorised full-rank step / dense step, batch ${batchSize}`,
        fullRankSamples(batchSize),
        '<=',
        1.1,
        `Node wasm, ResNet-20, batch ${batchSize}, steps interleaved round by round`,
      ),
    ),
    target(
      'inference speed-up of a ~50%-MACs model over dense',
      halfMacs ? (halfMacs.speedupSamples ?? [halfMacs.speedup]) : null,
      '>=',
      1.6,
      halfMacs
        ? `Node wasm, batch ${halfMacs.batchSize}, model at ${(100 / halfMacs.macsRatio).toFixed(0)}% of the dense MACs, runs interleaved`
        : 'not measured',
    ),
    // measured by npm run bench:gpu beside PyTorch CUDA on a GPU machine, not here
    target(
      'WebGPU training images/s vs PyTorch CUDA (a real GPU)',
      null,
      '>=',
      0.3,
      'not measured by this run: npm run bench:gpu / pack:gpu-bench on a machine with a GPU',
    ),
  ];
}

const format = (value: number | undefined, digits = 1) =>
  value === undefined ? '–' : value.toFixed(digits);

function trainingTable(results: BenchResults): string[] {
  const torch = new Map(results.pytorch.results.map((r) => [r.batch, r]));
  const lines = [
    '| where | backend | batch | dense | full rank | 50% rank | 25% rank | full / dense step | dense vs PyTorch |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  const keys = [
    ...new Set(results.training.map((r) => `${r.environment}|${r.backend}|${r.batchSize}`)),
  ];
  for (const key of keys) {
    const [environment, backend, batch] = key.split('|');
    const cell = (variant: string) =>
      findTraining(results, environment as Environment, backend, variant, Number(batch));
    const dense = cell('dense');
    const full = cell('full');
    const reference = torch.get(Number(batch));
    lines.push(
      `| ${environment} | ${backend} | ${batch} | ${format(dense?.imagesPerSecond)} | ${format(full?.imagesPerSecond)} | ${format(cell('rank50')?.imagesPerSecond)} | ${format(cell('rank25')?.imagesPerSecond)} | ${dense && full ? format(full.stepMs / dense.stepMs, 2) : '–'} | ${dense && reference ? `${format(dense.imagesPerSecond / reference.imagesPerSecond, 2)}x` : '–'} |`,
    );
  }
  for (const reference of results.pytorch.results) {
    lines.push(
      `| python | PyTorch ${reference.torch} CPU (${reference.threads} thread(s)) | ${reference.batch} | ${format(reference.imagesPerSecond)} | | | | | 1.00x |`,
    );
  }
  return lines;
}

function inferenceTable(results: BenchResults): string[] {
  const lines = [
    '| where | backend | model | batch | compressed ms | dense ms | speed-up | MACs kept |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results.inference) {
    lines.push(
      `| ${r.environment} | ${r.backend} | ${VARIANT_LABELS[r.variant]} | ${r.batchSize} | ${format(r.compressedMs)} | ${format(r.denseMs)} | ${format(r.speedup, 2)}x | ${format(100 / r.macsRatio, 0)}% |`,
    );
  }
  return lines;
}

const describeMeasured = (t: Target) => (t.measured === null ? 'not measured' : t.measured.toFixed(2));

const describeSpread = (t: Target) =>
  t.spread ? `${t.spread[0].toFixed(2)}-${t.spread[1].toFixed(2)} (${t.samples.length})` : '–';

function verdict(t: Target, quick: boolean): string {
  if (t.met === null) return '–';
  const said = t.met ? 'yes' : 'no';
  if (t.straddles) return `${said}, but the range straddles ${t.threshold}: uncertain`;
  if (t.samples.length < 3) return `${said} (${t.samples.length} sample${t.samples.length === 1 ? '' : 's'}: uncertain)`;
  return quick ? `${said} (indicative)` : said;
}

export function markdown(results: BenchResults): string {
  const { machine } = results;
  const lines = [
    `# Benchmarks (${results.createdAt.slice(0, 10)}${results.quick ? ', --quick' : ''})`,
    '',
    `${machine.cpus} x ${machine.cpuModel}; Node ${machine.node}; Chromium ${machine.chromium ?? 'not run'}. ResNet-20, 32x32 inputs, images per second of whole training steps (forward, backward, optimiser; median step).`,
    '',
    '## Training (images/s)',
    '',
    ...trainingTable(results),
    '',
    '## Inference (exported LayersModel, compressed vs its dense equivalent)',
    '',
    ...inferenceTable(results),
    '',
    '## Targets',
    '',
    results.quick
      ? '`--quick`: few rounds on a machine that may be busy; these verdicts are indicative. Run `npm run bench` for the figures of record.'
      : 'Each target is judged on the median of its samples (one a round or repeat); the range is the lowest and highest sample.',
    '',
    '| target | median | range (samples) | needed | met | on |',
    '|---|---|---|---|---|---|',
    ...results.targets.map((t) => `| ${t.name} | ${describeMeasured(t)} | ${describeSpread(t)} | ${t.comparison} ${t.threshold} | ${verdict(t, results.quick)} | ${t.basis} |`),
  ];
  if (!results.pytorch.available) lines.push('', `PyTorch reference: ${results.pytorch.reason}`);
  if (results.skipped.length) {
    lines.push('', '## Not measured', '');
    for (const s of results.skipped) {
      lines.push(`- ${s.environment} ${s.backend}: ${describeItem(s.item)}: ${s.reason}`);
    }
  }
  return lines.join('\n');
}
