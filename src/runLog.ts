// Run logs: a run's chart history as JSON lines, a header first and then one event a line in the
// order they happened. The studio writes one beside a downloaded model, the PyTorch twin
// (python/) writes the same, and the studio opens either to show and replay the run.
import { KNOBS, validateConfig, type TrainConfig } from './config';
import type { FolderInfo } from './data/folderInfo';
import type { SizeKept } from './lowrank/accounting';
import { STEP_METRIC_FIELDS, type StepRecord } from './protocol';
import { recordAt, toSeries } from './train/stepSeries';
import type {
  CostSummary,
  EpochSummary,
  HistoryEvent,
  LayerRank,
  RunHistory,
  RunName,
  StepSeries,
} from './protocol';

export const RUN_LOG_FORMAT = 'lowrank-studio-run-log';
export const RUN_LOG_VERSION = 1;

export interface RunLogHeader {
  type: 'header';
  format: typeof RUN_LOG_FORMAT;
  version: number;
  /** what wrote it, e.g. "Low-rank studio (TF.js 4.22.0, wasm)" or "lowrank_studio 0.1 (PyTorch 1.13)" */
  producer: string;
  config: TrainConfig;
  stepsPerEpoch: number;
  dataset: {
    name: string;
    trainCount?: number;
    testCount?: number;
    /** training images held out: the epochs' evaluations are on them, not on the test set */
    validationCount?: number;
    classNames?: string[];
    /** your own images: how they were split, what was skipped */
    folder?: FolderInfo;
  };
  /** processes of a distributed run (the twin's torchrun) */
  world?: { processes: number; backend: string; device: string };
  /** the layers as the run began */
  layers: LayerRank[];
  params: CostSummary;
  macs: CostSummary;
}

export interface RunLog {
  header: RunLogHeader;
  history: RunHistory;
  /** the last step the log reaches */
  lastStep: number;
}

type StepLine = { type: 'step'; run: RunName } & StepRecord;

const eventStep = (event: HistoryEvent) =>
  event.type === 'epoch' ? event.summary.step : event.step;

function stepLines(run: RunName, series: StepSeries): StepLine[] {
  return Array.from(series.step, (_, i) => ({ type: 'step', run, ...recordAt(series, i) }));
}

/** The log as text: the header, then steps and events merged in step order. */
export function encodeRunLog(
  header: Omit<RunLogHeader, 'type' | 'format' | 'version'>,
  history: RunHistory,
): string {
  const steps = (['main', 'baseline'] as const)
    .flatMap((run) => (history.steps[run] ? stepLines(run, history.steps[run]) : []))
    .sort((a, b) => a.step - b.step);
  const events = history.events.map((event) =>
    // the journal keeps only the last spectrum's values
    event.type === 'spectra' && history.spectra?.step === event.step ? history.spectra : event,
  );
  const lines: unknown[] = [
    { type: 'header', format: RUN_LOG_FORMAT, version: RUN_LOG_VERSION, ...header },
  ];
  let next = 0;
  for (const event of events) {
    while (next < steps.length && steps[next].step <= eventStep(event)) lines.push(steps[next++]);
    lines.push(event);
  }
  // a loop, not push(...rest): a long run's steps would overflow the stack as arguments
  for (; next < steps.length; next++) lines.push(steps[next]);
  return lines.map((line) => JSON.stringify(line, plainArrays)).join('\n') + '\n';
}

function plainArrays(_: string, value: unknown): unknown {
  return ArrayBuffer.isView(value) ? Array.from(value as Float32Array) : value;
}

/** The studio's own log of a job's history (undefined for a history without its job). */
export function studioRunLog(
  history: RunHistory,
  about: Pick<RunLogHeader, 'producer' | 'dataset'>,
): string | undefined {
  const job = history.job;
  if (!job) return undefined;
  const { config, stepsPerEpoch, layers, params, macs } = job;
  return encodeRunLog({ ...about, config, stepsPerEpoch, layers, params, macs }, history);
}

/** A problem with one line of a log: the message says which. */
class RunLogError extends Error {}

const isNumber = (value: unknown): value is number => typeof value === 'number';

function need(condition: boolean, line: number, what: string): asserts condition {
  if (!condition) throw new RunLogError(`line ${line}: ${what}`);
}

function readHeader(record: Record<string, unknown>): RunLogHeader {
  need(
    record.type === 'header' && record.format === RUN_LOG_FORMAT,
    1,
    `not a run log (the first line must be {"type": "header", "format": "${RUN_LOG_FORMAT}", ...})`,
  );
  need(
    isNumber(record.version) && record.version <= RUN_LOG_VERSION,
    1,
    `run log version ${String(record.version)} is newer than this studio reads (${RUN_LOG_VERSION}): update the studio`,
  );
  const config = record.config as Record<string, unknown> | undefined;
  need(typeof config === 'object' && config !== null, 1, 'the header has no config');
  const missing = Object.keys(KNOBS).filter((name) => !(name in config));
  need(missing.length === 0, 1, `the header's config lacks ${missing.join(', ')}`);
  try {
    validateConfig(config);
  } catch (error) {
    throw new RunLogError(`line 1: ${(error as Error).message}`);
  }
  need(Array.isArray(record.layers), 1, 'the header has no layers');
  need(
    typeof record.dataset === 'object' && record.dataset !== null,
    1,
    'the header has no dataset',
  );
  const dataset = record.dataset as RunLogHeader['dataset'];
  const batchSize = (config as TrainConfig).batchSize;
  const stepsPerEpoch = isNumber(record.stepsPerEpoch)
    ? record.stepsPerEpoch
    : Math.ceil((dataset.trainCount ?? batchSize) / batchSize);
  return {
    ...(record as unknown as RunLogHeader),
    config: config as TrainConfig,
    stepsPerEpoch,
  };
}

const SIZE_FIELDS = [
  'paramsKept',
  'factorisedParamsKept',
  'macsKept',
  'rankKept',
  'compressionRatio',
] as const satisfies readonly (keyof SizeKept)[];

/** The names of `fields` that are not numbers in `record` (all of them if it is no object). */
function notNumbers(record: unknown, fields: readonly string[]): string[] {
  const object = (typeof record === 'object' && record !== null ? record : {}) as Record<
    string,
    unknown
  >;
  return fields.filter((field) => !isNumber(object[field]));
}

function needNumbers(record: unknown, fields: readonly string[], line: number, what: string) {
  const missing = notNumbers(record, fields);
  need(missing.length === 0, line, `${what} needs numbers for ${missing.join(', ')}`);
}

function readEvent(record: Record<string, unknown>, line: number): HistoryEvent {
  const run: RunName = record.run === 'baseline' ? 'baseline' : 'main';
  switch (record.type) {
    case 'epoch': {
      const summary = record.summary as Record<string, unknown> | undefined;
      needNumbers(
        summary,
        ['epoch', 'step', 'testAccuracy', 'testCount'],
        line,
        "an epoch's summary",
      );
      needNumbers(summary?.size, SIZE_FIELDS, line, "an epoch's size");
      return { type: 'epoch', run, summary: summary as unknown as EpochSummary };
    }
    case 'evaluation':
      needNumbers(record, ['step', 'testAccuracy', 'count'], line, 'an evaluation');
      return {
        testLoss: NaN,
        ...record,
        type: 'evaluation',
        run,
        scope: record.scope === 'slice' ? 'slice' : 'full',
      } as HistoryEvent;
    case 'pruned':
      needNumbers(record, ['step'], line, 'a prune event');
      need(Array.isArray(record.events), line, 'a prune event needs its list of events');
      needNumbers(record.size, SIZE_FIELDS, line, "a prune event's size");
      return record as unknown as HistoryEvent;
    case 'spectra': {
      needNumbers(record, ['step'], line, 'spectra');
      need(
        Array.isArray(record.layers) &&
          Array.isArray(record.values) &&
          // the studio keeps the values of its last spectrum only: the others carry ranks
          (record.values.length === record.layers.length || record.values.length === 0),
        line,
        'spectra need a list of layers and one list of values per layer (or none)',
      );
      const values = (record.values as number[][]).map((v) => Float32Array.from(v));
      return { ...(record as unknown as HistoryEvent & { type: 'spectra' }), values };
    }
    default:
      throw new RunLogError(`line ${line}: unknown record type '${String(record.type)}'`);
  }
}

/** Reads a log; a malformed one fails with the line and what is wrong with it. */
export function decodeRunLog(text: string): RunLog {
  const records = text
    .split('\n')
    .map((line, index) => ({ line, number: index + 1 }))
    .filter(({ line }) => line.trim() !== '');
  need(records.length > 0, 1, 'the file is empty');
  const parsed = records.map(({ line, number }) => {
    try {
      const value: unknown = JSON.parse(line);
      need(
        typeof value === 'object' && value !== null && !Array.isArray(value),
        number,
        'not a JSON object',
      );
      return { record: value as Record<string, unknown>, number };
    } catch (error) {
      if (error instanceof RunLogError) throw error;
      throw new RunLogError(`line ${number}: not JSON (${(error as Error).message})`);
    }
  });
  const header = readHeader(parsed[0].record);
  const steps: Record<RunName, StepLine[]> = { main: [], baseline: [] };
  const events: HistoryEvent[] = [];
  let lastStep = 0;
  for (const { record, number } of parsed.slice(1)) {
    if (record.type === 'step') {
      needNumbers(record, ['step', ...STEP_METRIC_FIELDS], number, 'a step');
      steps[record.run === 'baseline' ? 'baseline' : 'main'].push(record as unknown as StepLine);
      lastStep = Math.max(lastStep, record.step as number);
    } else {
      const event = readEvent(record, number);
      events.push(event);
      lastStep = Math.max(lastStep, eventStep(event));
    }
  }
  const history: RunHistory = { steps: {}, events, spectra: null };
  for (const run of ['main', 'baseline'] as const)
    if (steps[run].length) history.steps[run] = toSeries(steps[run]);
  return { header, history, lastStep };
}

/** The part of a history after step `from` up to and including step `to`, for a replay. */
export function historyBetween(history: RunHistory, from: number, to: number): RunHistory {
  const inRange = (step: number) => step > from && step <= to;
  const steps: RunHistory['steps'] = {};
  for (const run of ['main', 'baseline'] as const) {
    const series = history.steps[run];
    if (!series) continue;
    const first = series.step.findIndex((step) => step > from);
    if (first < 0) continue;
    let end = first;
    while (end < series.step.length && series.step[end] <= to) end++;
    if (end > first)
      steps[run] = Object.fromEntries(
        Object.entries(series).map(([field, values]) => [
          field,
          (values as Float32Array).subarray(first, end),
        ]),
      ) as unknown as StepSeries;
  }
  return {
    steps,
    events: history.events.filter((event) => inRange(eventStep(event))),
    spectra: null,
  };
}
