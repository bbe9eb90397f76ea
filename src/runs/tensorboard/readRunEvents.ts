// Event files written by runEvents.ts (or the twin) read back into a run log, for opening a run
// that only its TensorBoard folder kept. What comes back: the header, every step's metrics, the
// epochs' accuracy, loss and size, evaluations, prune events (which layers changed rank), ranks.
// What does not: the spectra's values (bucketed into histograms), the epochs' params and MACs
// beyond what the size fractions give (factorised MACs not at all), the pruning window, and the
// twin's evaluations that repeat their epoch's (written once, as the epoch's).
import { TEST_SLICE_IMAGES } from '../../protocol';
import type { EpochSummary, HistoryEvent, LayerRank, RunName, StepRecord } from '../../protocol';
import { decodeRunLog, type RunLog, type RunLogHeader } from '../../runLog';
import type { SizeKept } from '../../lowrank/accounting';
import { toSeries } from '../../train/stepSeries';
import { decodeEventFile } from './eventFile';
import { BASELINE_FOLDER, HEADER_TAG, SIZE_TAGS, STEP_TAGS, type EventFile } from './runEvents';

type Values = Map<string, number>;

const stepOf = (event: HistoryEvent) => (event.type === 'epoch' ? event.summary.step : event.step);

const sizeOf = (values: Values) =>
  Object.fromEntries(
    SIZE_TAGS.map(([field, tag]) => [field, values.get(tag) ?? NaN]),
  ) as unknown as SizeKept;

/** A file's header and its events as tag -> value maps, in file order. */
function readFile({ path, bytes }: EventFile) {
  let headerText: string | undefined;
  const records: { step: number; values: Values }[] = [];
  for (const event of decodeEventFile(bytes)) {
    const values: Values = new Map();
    for (const value of event.summary ?? []) {
      if (value.kind === 'text' && value.tag === HEADER_TAG) headerText = value.text;
      else if (value.kind === 'scalar') values.set(value.tag, value.value);
    }
    if (values.size) records.push({ step: event.step, values });
  }
  if (headerText === undefined)
    throw new Error(
      `${path} was written by something other than the studio or the twin: it has no ${HEADER_TAG} text. Open the run's run-log.jsonl instead, if it has one`,
    );
  const run: RunName = path.split('/').includes(BASELINE_FOLDER) ? 'baseline' : 'main';
  return { run, headerText, records };
}

/** Each record as the log line it was written from, told apart by its tags. */
function readRecords(
  header: RunLogHeader,
  run: RunName,
  records: ReturnType<typeof readFile>['records'],
) {
  const split = header.dataset.validationCount ? 'validation' : 'test';
  const steps: StepRecord[] = [];
  const events: HistoryEvent[] = [];
  const epochEnds = records.filter(({ values }) => values.has('epoch'));
  // a step's epoch: that of the last epoch ended before it (epochs count from 0)
  const epochAt = (step: number) => {
    let epoch = 0;
    for (const end of epochEnds) if (end.step < step) epoch = end.values.get('epoch')!;
    return epoch;
  };
  const fullRank = new Map(header.layers.map((layer) => [layer.name, layer]));
  for (const { step, values } of records) {
    const get = (tag: string) => values.get(tag) ?? NaN;
    if (values.has('loss/total')) {
      const record = { step, epoch: epochAt(step) } as StepRecord;
      for (const [field, tag] of STEP_TAGS) record[field] = get(tag);
      steps.push(record);
    } else if (values.has('epoch')) {
      const size = sizeOf(values);
      const cost = (kind: 'params' | 'macs', kept: number) => ({
        dense: header[kind].dense,
        factorised:
          kind === 'params' ? Math.round(size.factorisedParamsKept * header.params.dense) : NaN,
        deployable: Math.round(kept * header[kind].dense),
      });
      const summary: EpochSummary = {
        epoch: get('epoch'),
        step,
        testAccuracy: get(`accuracy/${split}`),
        testLoss: get(`loss/${split}`),
        testCount: header.dataset[`${split}Count`] ?? 0,
        size,
        params: cost('params', size.paramsKept),
        macs: cost('macs', size.macsKept),
      };
      events.push({ type: 'epoch', run, summary });
    } else if (values.has('accuracy/test') || values.has('accuracy/test_slice')) {
      const full = values.has('accuracy/test');
      events.push({
        type: 'evaluation',
        run,
        scope: full ? 'full' : 'slice',
        step,
        count: full
          ? (header.dataset.testCount ?? 0)
          : Math.min(TEST_SLICE_IMAGES, header.dataset.testCount ?? Infinity),
        testAccuracy: get(full ? 'accuracy/test' : 'accuracy/test_slice'),
        testLoss: get('loss/test'),
      });
    } else if (values.has(SIZE_TAGS[0][1])) {
      events.push({ type: 'pruned', step, events: [], size: sizeOf(values) });
    } else {
      const layers: LayerRank[] = [...values]
        .filter(([tag]) => tag.startsWith('rank/'))
        .map(([tag, rank]) => {
          const name = tag.slice('rank/'.length);
          const layer = fullRank.get(name);
          return {
            name,
            rank,
            fullRank: layer?.fullRank ?? rank,
            breakEvenRank: layer?.breakEvenRank ?? rank,
            fading: 0,
          };
        });
      if (layers.length) events.push({ type: 'spectra', step, layers, values: [] });
    }
  }
  return { steps, events };
}

/** A prune event's layers: those whose rank the spectra after it show changed. */
function pruneEventsFromRanks(events: HistoryEvent[], header: RunLogHeader): void {
  const ranks = new Map(header.layers.map((layer) => [layer.name, layer.rank]));
  events.forEach((event, i) => {
    if (event.type === 'pruned') {
      const after = events.slice(i + 1).find((e) => e.type === 'spectra' && e.step === event.step);
      if (after?.type === 'spectra')
        event.events = after.layers
          .filter((layer) => ranks.has(layer.name) && ranks.get(layer.name) !== layer.rank)
          .map((layer) => ({
            layer: layer.name,
            oldRank: ranks.get(layer.name)!,
            newRank: layer.rank,
          }));
    } else if (event.type === 'spectra') {
      for (const layer of event.layers) ranks.set(layer.name, layer.rank);
    }
  });
}

/**
 * The run log of a run's event files (the run's and, if given, its dense baseline's). Refuses a
 * file without the run/header text: only what the studio or the twin wrote can be read back.
 */
export function eventFilesToRunLog(files: readonly EventFile[]): RunLog {
  const read = files.map(readFile);
  const main = read.find((file) => file.run === 'main');
  if (!main)
    throw new Error(
      `the files hold only a dense baseline (${BASELINE_FOLDER}/): add the run's own event file`,
    );
  // the header goes through the run log's own checks, as a one-line log
  const { header } = decodeRunLog(JSON.stringify(JSON.parse(main.headerText)));
  const history: RunLog['history'] = { steps: {}, events: [], spectra: null };
  let lastStep = 0;
  for (const file of read) {
    const { steps, events } = readRecords(header, file.run, file.records);
    if (file.run === 'main') pruneEventsFromRanks(events, header);
    if (steps.length) history.steps[file.run] = toSeries(steps);
    history.events.push(...events);
    for (const step of [...steps.map((s) => s.step), ...events.map(stepOf)])
      lastStep = Math.max(lastStep, step);
  }
  // the two runs' events, merged in step order
  history.events.sort((a, b) => stepOf(a) - stepOf(b));
  return { header, history, lastStep };
}
