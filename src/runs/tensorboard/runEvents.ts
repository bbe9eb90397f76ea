// A run log (src/runLog.ts) as TensorBoard event files: the run's step metrics, epochs,
// evaluations, prune events and spectra as scalars and histograms, and its header as text. The
// twin writes the same bytes from the same log (python/lowrank_studio/tensorboard.py).
import type { EpochSummary, HistoryEvent, RunName, StepSeries } from '../../protocol';
import type { RunLog } from '../../runLog';
import type { SizeKept } from '../../lowrank/accounting';
import { encodeEventFile } from './eventFile';
import type { Histogram, SummaryValue, TensorBoardEvent } from './eventProto';

/** Step metrics and their tags. */
export const STEP_TAGS = [
  ['crossEntropy', 'loss/cross_entropy'],
  ['orth', 'loss/orthogonality'],
  ['rank', 'loss/rank'],
  ['total', 'loss/total'],
  ['trainAccuracy', 'accuracy/train'],
  ['learningRate', 'schedule/learning_rate'],
  ['lambdaRank', 'schedule/lambda_rank'],
  ['stepMs', 'speed/step_ms'],
] as const satisfies readonly (readonly [keyof StepSeries, string])[];

/** The size of the network (fractions of dense, 0-1), at epochs and prune events. */
export const SIZE_TAGS = [
  ['paramsKept', 'size/params_kept'],
  ['factorisedParamsKept', 'size/factorised_params_kept'],
  ['macsKept', 'size/macs_kept'],
  ['rankKept', 'size/rank_kept'],
  ['compressionRatio', 'size/compression_ratio'],
] as const satisfies readonly (readonly [keyof SizeKept, string])[];

export const HEADER_TAG = 'run/header';
/** The folder of the dense baseline's file: TensorBoard shows it as a run of its own. */
export const BASELINE_FOLDER = 'dense-baseline';

/**
 * A spectrum's histogram has this many equal buckets from 0 to its largest value (bucket i holds
 * [i, i + 1) x max / 30, the last one max itself): the same grid at every step of a layer would
 * hide the small values once pruning has cut the large rank, so each grid follows its spectrum.
 */
export const SPECTRUM_BUCKETS = 30;

export interface EventFile {
  /** relative to the folder TensorBoard is pointed at */
  path: string;
  bytes: Uint8Array;
}

const eventStep = (event: HistoryEvent) =>
  event.type === 'epoch' ? event.summary.step : event.step;
const eventRun = (event: HistoryEvent): RunName =>
  event.type === 'epoch' || event.type === 'evaluation' ? event.run : 'main';

/** A scalar, unless the value is missing or not finite as a float32 (TensorBoard's type). */
function scalar(tag: string, value: unknown): SummaryValue[] {
  return typeof value === 'number' && Number.isFinite(Math.fround(value))
    ? [{ kind: 'scalar', tag, value }]
    : [];
}

const sizeValues = (size: SizeKept) =>
  SIZE_TAGS.flatMap(([field, tag]) => scalar(tag, size[field]));

function spectrumHistogram(spectrum: ArrayLike<number>): Histogram | undefined {
  const values = Array.from(spectrum, Math.fround).filter(Number.isFinite);
  if (values.length === 0) return undefined;
  const max = Math.max(...values);
  const top = max > 0 ? max : 1;
  const bucket = new Array<number>(SPECTRUM_BUCKETS).fill(0);
  let sum = 0;
  let sumSquares = 0;
  for (const value of values) {
    sum += value;
    sumSquares += value * value;
    const index = Math.floor((value / top) * SPECTRUM_BUCKETS);
    bucket[Math.min(SPECTRUM_BUCKETS - 1, Math.max(0, index))]++;
  }
  return {
    min: Math.min(...values),
    max,
    num: values.length,
    sum,
    sumSquares,
    bucketLimit: bucket.map((_, i) => (top * (i + 1)) / SPECTRUM_BUCKETS),
    bucket,
  };
}

/** The same evaluation as its epoch's (the twin logs both): written once, as the epoch's. */
function repeatsEpoch(event: HistoryEvent, epochs: readonly EpochSummary[]): boolean {
  if (event.type !== 'evaluation') return false;
  return epochs.some(
    (s) =>
      s.step === event.step && s.testAccuracy === event.testAccuracy && s.testCount === event.count,
  );
}

function eventValues(event: HistoryEvent, split: 'validation' | 'test'): SummaryValue[] {
  switch (event.type) {
    case 'epoch': {
      const { summary } = event;
      return [
        ...scalar(`accuracy/${split}`, summary.testAccuracy),
        ...scalar(`loss/${split}`, summary.testLoss),
        ...sizeValues(summary.size),
        ...scalar('epoch', summary.epoch),
      ];
    }
    case 'evaluation':
      return event.scope === 'full'
        ? [...scalar('accuracy/test', event.testAccuracy), ...scalar('loss/test', event.testLoss)]
        : scalar('accuracy/test_slice', event.testAccuracy);
    case 'pruned':
      return sizeValues(event.size);
    case 'spectra':
      // layer names keep their slashes (TensorBoard groups tags by them) and any other character
      return event.layers.flatMap((layer, i) => {
        const histogram = event.values[i] && spectrumHistogram(event.values[i]);
        return [
          ...scalar(`rank/${layer.name}`, layer.rank),
          ...(histogram
            ? [{ kind: 'histogram', tag: `spectrum/${layer.name}`, histogram } as const]
            : []),
        ];
      });
    default: {
      const unknown: never = event;
      throw new Error(`unknown run log event ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * One run's events: the header at step 0, then its steps and events in step order (the log's own
 * order). A step's wall time is the start plus the step times up to it; an event takes the wall
 * time of the last step before it.
 */
function runEvents(log: RunLog, run: RunName, startWallTime: number): TensorBoardEvent[] {
  const { header, history } = log;
  const text = JSON.stringify(header, null, 2);
  const out: TensorBoardEvent[] = [
    { wallTime: startWallTime, step: 0, summary: [{ kind: 'text', tag: HEADER_TAG, text }] },
  ];
  const series = history.steps[run];
  const events = history.events.filter((event) => eventRun(event) === run);
  const epochs = events.flatMap((event) => (event.type === 'epoch' ? [event.summary] : []));
  const split = header.dataset.validationCount ? 'validation' : 'test';
  let elapsedMs = 0;
  let wallTime = startWallTime;
  let next = 0;
  const stepsUpTo = (step: number) => {
    for (; series && next < series.step.length && series.step[next] <= step; next++) {
      if (Number.isFinite(series.stepMs[next])) elapsedMs += series.stepMs[next];
      wallTime = startWallTime + elapsedMs / 1000;
      const summary = STEP_TAGS.flatMap(([field, tag]) => scalar(tag, series[field][next]));
      out.push({ wallTime, step: series.step[next], summary });
    }
  };
  for (const event of events) {
    stepsUpTo(eventStep(event));
    const summary = repeatsEpoch(event, epochs) ? [] : eventValues(event, split);
    if (summary.length) out.push({ wallTime, step: eventStep(event), summary });
  }
  stepsUpTo(Infinity);
  return out;
}

/**
 * The event files of a run log: the run's at the top, the dense baseline's (if the log has one)
 * in dense-baseline/. `startWallTime`: when the run began, in seconds since 1970.
 */
export function runLogToEventFiles(
  log: RunLog,
  { startWallTime }: { startWallTime: number },
): EventFile[] {
  const name = `events.out.tfevents.${Math.floor(startWallTime)}.lowrank-studio`;
  const hasBaseline =
    log.history.steps.baseline !== undefined ||
    log.history.events.some((event) => eventRun(event) === 'baseline');
  const runs: RunName[] = hasBaseline ? ['main', 'baseline'] : ['main'];
  return runs.map((run) => ({
    path: run === 'main' ? name : `${BASELINE_FOLDER}/${name}`,
    bytes: encodeEventFile(runEvents(log, run, startWallTime)),
  }));
}
