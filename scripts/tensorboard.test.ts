// TensorBoard's event files from both sides: the studio's (src/runs/tensorboard/) and the twin's
// (python/lowrank_studio/tensorboard.py) are the same bytes for the same run log, and TensorBoard's
// own reader (python/tools/read_event_files.py) finds in them the log's tags, steps and values.
// The reader needs a Python with the tensorboard package: TENSORBOARD_PYTHON, or
// .tensorboard-venv/bin/python; without one the reader's test skips, except under CI.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeRunLog, type RunLog } from '../src/runLog';
import { runLogToEventFiles, type EventFile } from '../src/runs/tensorboard/runEvents';
import { tinyRunLogText } from '../src/testing/runLogs';
import { pythonWithTorch } from './lib/twin';

const SETUP = 'python3 -m venv .tensorboard-venv && .tensorboard-venv/bin/pip install tensorboard';
const imports = (python: string, module: string) =>
  spawnSync(python, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;

const named = process.env.TENSORBOARD_PYTHON ?? '.tensorboard-venv/bin/python';
const tensorboardPython = existsSync(named) && imports(named, 'tensorboard') ? named : undefined;
if (!tensorboardPython && process.env.CI !== 'true')
  console.warn(
    `skipping the check with TensorBoard's own reader: no Python with the tensorboard package. Set TENSORBOARD_PYTHON to one, or make one in the repository: ${SETUP}`,
  );
// the converter needs Python 3 only (no torch): the twin's python, or the reader's
const twinPython = pythonWithTorch() ?? tensorboardPython;
if (!twinPython) console.warn("skipping the twin's event files: no python3 here runs the twin");

const START = 1_733_500_000.125;
const folder = mkdtempSync(join(tmpdir(), 'tensorboard-'));
afterAll(() => rmSync(folder, { recursive: true }));

const LOGS = {
  twin: readFileSync('e2e/fixtures/twin-run-log.jsonl', 'utf8'),
  studio: tinyRunLogText(),
  validation: tinyRunLogText({ validation: true }),
};
type LogName = keyof typeof LOGS;

function writeFiles(directory: string, files: EventFile[]): void {
  for (const { path, bytes } of files) {
    mkdirSync(dirname(join(directory, path)), { recursive: true });
    writeFileSync(join(directory, path), bytes);
  }
}

/** The studio's files of a log, written under `folder/studio-<name>`. */
function studioFiles(name: LogName): { directory: string; files: EventFile[] } {
  const files = runLogToEventFiles(decodeRunLog(LOGS[name]), { startWallTime: START });
  const directory = join(folder, `studio-${name}`);
  writeFiles(directory, files);
  return { directory, files };
}

/** The twin's files of the same log (its command line), under `folder/twin-<name>`. */
function twinFiles(name: LogName): string {
  const log = join(folder, `${name}.jsonl`);
  writeFileSync(log, LOGS[name]);
  const directory = join(folder, `twin-${name}`);
  const args = ['-m', 'lowrank_studio.tensorboard', log, directory, '--start-wall-time'];
  const run = spawnSync(twinPython!, [...args, String(START)], { cwd: 'python', encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return directory;
}

describe.skipIf(!twinPython)("the twin's event files", () => {
  it.each(Object.keys(LOGS) as LogName[])(
    "are byte for byte the studio's for the %s run log",
    (name) => {
      const twin = twinFiles(name);
      for (const { path, bytes } of studioFiles(name).files)
        expect(Buffer.compare(readFileSync(join(twin, path)), Buffer.from(bytes)), path).toBe(0);
    },
  );
});

interface ReadRun {
  scalars: Record<string, [number, number][]>;
  histograms: Record<string, { step: number; num: number; max: number }[]>;
  tensors: Record<string, [number, string[]][]>;
}

function readWithTensorBoard(directory: string): Record<string, ReadRun> {
  const reader = resolve('python/tools/read_event_files.py');
  const run = spawnSync(tensorboardPython!, [reader, directory], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
}

/** What TensorBoard found in one run's file, against that run of the log. */
function expectRun(found: ReadRun, log: RunLog, run: 'main' | 'baseline') {
  const steps = log.history.steps[run]!;
  const close = (actual: [number, number][], expected: [number, number][]) => {
    expect(actual.map(([step]) => step)).toEqual(expected.map(([step]) => step));
    actual.forEach(([, value], i) => expect(value).toBeCloseTo(Math.fround(expected[i][1]), 6));
  };
  close(
    found.scalars['loss/total'],
    Array.from(steps.step, (step, i) => [step, steps.total[i]]),
  );
  close(
    found.scalars['accuracy/train'],
    Array.from(steps.step, (step, i) => [step, steps.trainAccuracy[i]]),
  );
  const epochs = log.history.events.flatMap((e) =>
    e.type === 'epoch' && e.run === run ? [e.summary] : [],
  );
  const split = log.header.dataset.validationCount ? 'validation' : 'test';
  // beside an evaluation at the same step, where one was made there
  for (const epoch of epochs)
    expect(
      found.scalars[`accuracy/${split}`].some(
        ([step, value]) => step === epoch.step && Math.abs(value - epoch.testAccuracy) < 1e-6,
      ),
    ).toBe(true);
  close(
    found.scalars.epoch,
    epochs.map((e) => [e.step, e.epoch]),
  );
  expect(JSON.parse(found.tensors['run/header'][0][1][0])).toEqual(log.header);
  if (run === 'baseline') return;
  const spectra = log.history.events.flatMap((e) => (e.type === 'spectra' ? [e] : []));
  const [layer] = log.header.layers;
  close(
    found.scalars[`rank/${layer.name}`],
    spectra.map((e) => [e.step, e.layers[0].rank]),
  );
  const withValues = spectra.filter((e) => e.values.length);
  expect(found.histograms[`spectrum/${layer.name}`].map((h) => [h.step, h.num])).toEqual(
    withValues.map((e) => [e.step, e.values[0].length]),
  );
}

describe.runIf(tensorboardPython || process.env.CI === 'true')("TensorBoard's own reader", () => {
  it.each(Object.keys(LOGS) as LogName[])(
    'reads the tags, steps and values of the %s run log',
    (name) => {
      expect(tensorboardPython, `no Python with the tensorboard package: ${SETUP}`).toBeDefined();
      const log = decodeRunLog(LOGS[name]);
      const runs = readWithTensorBoard(studioFiles(name).directory);
      expect(Object.keys(runs).sort()).toEqual(
        log.history.steps.baseline ? ['.', 'dense-baseline'] : ['.'],
      );
      expectRun(runs['.'], log, 'main');
      if (log.history.steps.baseline) expectRun(runs['dense-baseline'], log, 'baseline');
      // the twin's files read the same
      if (twinPython) expect(readWithTensorBoard(twinFiles(name))).toEqual(runs);
    },
  );
});
