// Results of `npm run bench`: the targets of the speed issue, and the markdown tables.
import { VARIANT_LABELS, type InferenceResult, type TrainingResult } from './cases';
import { describeItem, type SkippedItem } from './plan';

/** Where a measurement ran: Node or headless Chromium, and which TF.js backend. */
export type Environment = 'node' | 'chromium';

export interface EnvTraining extends TrainingResult {
  environment: Environment;
}
export interface EnvInference extends InferenceResult {
  environment: Environment;
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

export interface Target {
  name: string;
  /** the measured ratio, or null when its inputs were not measured */
  measured: number | null;
  threshold: number;
  comparison: '>=' | '<=';
  met: boolean | null;
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
  targets: Target[];
}

function target(
  name: string,
  measured: number | null,
  comparison: Target['comparison'],
  threshold: number,
  basis: string,
): Target {
  const met =
    measured === null ? null : comparison === '>=' ? measured >= threshold : measured <= threshold;
  return { name, measured, threshold, comparison, met, basis };
}

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
  const threads = (label: string) => Number(/(\d+) thread/.exec(label)?.[1] ?? 1);
  labels.sort((a, b) => threads(b) - threads(a));
  const allThreads = labels[0];
  const oneThread = labels.find((label) => threads(label) === 1 && label !== allThreads);
  return { allThreads, oneThread };
}

/** The speed issue's targets; each says what it was measured on, or that it was not. */
export function computeTargets(
  results: Pick<BenchResults, 'training' | 'inference' | 'pytorch'>,
): Target[] {
  const torch128 = results.pytorch.results.find((r) => r.batch === 128);
  const { allThreads, oneThread } = chromiumWasmLabels(results);
  // the browser's wasm on every core, else Node's (one thread) where Chromium did not run
  const wasm128 = allThreads
    ? { row: findTraining(results, 'chromium', allThreads, 'dense', 128), on: `Chromium ${allThreads}` }
    : { row: findTraining(results, 'node', 'wasm', 'dense', 128), on: 'Node wasm' };
  const threadsFast = allThreads && findTraining(results, 'chromium', allThreads, 'dense', 128);
  const threadsSlow = oneThread && findTraining(results, 'chromium', oneThread, 'dense', 128);
  const fullRankRatio = (batchSize: number) => {
    const dense = findTraining(results, 'node', 'wasm', 'dense', batchSize);
    const full = findTraining(results, 'node', 'wasm', 'full', batchSize);
    return dense && full ? full.stepMs / dense.stepMs : null;
  };
  const halfMacs = results.inference.find(
    (r) => r.environment === 'node' && r.backend === 'wasm' && r.variant === 'macs50',
  );
  return [
    target(
      'wasm training images/s vs PyTorch CPU (all cores), batch 128',
      wasm128.row && torch128 ? wasm128.row.imagesPerSecond / torch128.imagesPerSecond : null,
      '>=',
      0.33,
      torch128
        ? `${wasm128.on} dense ResNet-20 vs PyTorch ${torch128.torch} (${torch128.threads} thread(s))`
        : 'PyTorch not available on this machine',
    ),
    target(
      'wasm on every core vs one thread, training batch 128',
      threadsFast && threadsSlow ? threadsFast.imagesPerSecond / threadsSlow.imagesPerSecond : null,
      '>=',
      1.7,
      threadsFast && threadsSlow
        ? `Chromium ${allThreads} vs ${oneThread}, dense ResNet-20`
        : 'Chromium wasm not measured on several threads',
    ),
    ...[128, 32].map((batchSize) =>
      target(
        `factorised full-rank step / dense step, batch ${batchSize}`,
        fullRankRatio(batchSize),
        '<=',
        1.1,
        `Node wasm, ResNet-20, batch ${batchSize}`,
      ),
    ),
    target(
      'inference speed-up of a ~50%-MACs model over dense',
      halfMacs ? halfMacs.speedup : null,
      '>=',
      1.6,
      halfMacs
        ? `Node wasm, batch ${halfMacs.batchSize}, model at ${(100 / halfMacs.macsRatio).toFixed(0)}% of the dense MACs`
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
    '| target | measured | needed | met | on |',
    '|---|---|---|---|---|',
    ...results.targets.map(
      (t) =>
        `| ${t.name} | ${t.measured === null ? 'not measured' : t.measured.toFixed(2)} | ${t.comparison} ${t.threshold} | ${t.met === null ? '–' : t.met ? 'yes' : 'no'} | ${t.basis} |`,
    ),
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
