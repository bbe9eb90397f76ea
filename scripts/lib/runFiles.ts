// What a command-line run leaves beside its report: run-log.jsonl (src/runLog.ts, which the
// studio opens) and the same history as TensorBoard event files (tensorboard --logdir <folder>).
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ImageDataset } from '../../src/data/dataset';
import type { JobLimits } from '../../src/protocol';
import { decodeRunLog, studioRunLog, type RunLog, type RunLogHeader } from '../../src/runLog';
import { decodeEventFile } from '../../src/runs/tensorboard/eventFile';
import type { TensorBoardEvent } from '../../src/runs/tensorboard/eventProto';
import { runLogToEventFiles } from '../../src/runs/tensorboard/runEvents';
import { RunJournal } from '../../src/worker/runJournal';
import { imageCounts } from './runJob';

export const RUN_LOG_FILE = 'run-log.jsonl';

/** A run being recorded: its journal (for trainToEnd) and when it began. */
export interface RunRecording {
  journal: RunJournal;
  /** seconds since 1970 */
  startWallTime: number;
}

export function startRecording(): RunRecording {
  return { journal: new RunJournal(), startWallTime: Date.now() / 1000 };
}

/** The run log header's description of the images a job used. */
export function runLogDataset(
  dataset: ImageDataset,
  validation: number,
  limits: JobLimits,
): RunLogHeader['dataset'] {
  return {
    name: dataset.name,
    ...imageCounts(dataset, validation, limits),
    classNames: dataset.classNames,
    ...(dataset.folder ? { folder: dataset.folder } : {}),
  };
}

/** Writes the recorded run's log and event files into `folder`; returns their paths. */
export function writeRunFiles(
  folder: string,
  { journal, startWallTime }: RunRecording,
  dataset: RunLogHeader['dataset'],
  command: string,
): string[] {
  const producer = `lowrank-studio ${command} (TF.js ${tf.version.tfjs}, ${tf.getBackend()})`;
  const text = studioRunLog(journal.history(), { producer, dataset });
  if (!text) throw new Error('the run recorded no configuration: nothing to write');
  const files = [
    { path: RUN_LOG_FILE, bytes: new TextEncoder().encode(text) },
    ...runLogToEventFiles(decodeRunLog(text), { startWallTime }),
  ];
  return files.map(({ path, bytes }) => {
    const target = join(folder, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, bytes);
    return target;
  });
}

/** What writeRunFiles wrote into `folder`, read back: the run log and the run's events. */
export function readRunFiles(folder: string): { log: RunLog; events: TensorBoardEvent[] } {
  const log = decodeRunLog(readFileSync(join(folder, RUN_LOG_FILE), 'utf8'));
  const eventFile = readdirSync(folder).find((name) => name.startsWith('events.out.tfevents.'));
  if (!eventFile) throw new Error(`${folder} has no TensorBoard event file`);
  return { log, events: decodeEventFile(readFileSync(join(folder, eventFile))) };
}

/** The steps at which `events` hold a value tagged `tag`. */
export function tagSteps(events: readonly TensorBoardEvent[], tag: string): number[] {
  return events.flatMap(({ step, summary }) =>
    summary?.some((value) => value.tag === tag) ? [step] : [],
  );
}
