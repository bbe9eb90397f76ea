// A run as one file to pass to a classmate: its name and note, then its run log (src/runLog.ts),
// gzip-compressed by the platform's CompressionStream. The studio reads these, plain run logs
// (the twin's run-log.jsonl) and gzip-compressed run logs alike.
import { decodeRunLog, type RunLog } from '../runLog';

export const RUN_FILE_FORMAT = 'lowrank-studio-run';
export const RUN_FILE_VERSION = 1;
export const RUN_FILE_EXTENSION = '.lrrun';

export interface RunFileAbout {
  name: string;
  note: string;
  /** ms since 1970 */
  savedAt: number;
}

export interface ReadRun {
  /** absent for a plain run log */
  about?: RunFileAbout;
  log: RunLog;
  /** the run log's text, as stored */
  text: string;
}

/** A problem with a run file, in words for the user. */
export class RunFileError extends Error {}

async function through(bytes: Uint8Array, stream: GenericTransformStream): Promise<Uint8Array> {
  const piped = new Blob([bytes as BlobPart]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(piped).arrayBuffer());
}

export const gzip = (bytes: Uint8Array) => through(bytes, new CompressionStream('gzip'));
export const gunzip = (bytes: Uint8Array) => through(bytes, new DecompressionStream('gzip'));

const isGzip = (bytes: Uint8Array) => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

/** The run file of a run log's text. */
export async function encodeRunFile(about: RunFileAbout, runLogText: string): Promise<Uint8Array> {
  const first = JSON.stringify({
    type: 'shared-run',
    format: RUN_FILE_FORMAT,
    version: RUN_FILE_VERSION,
    ...about,
  });
  return gzip(new TextEncoder().encode(`${first}\n${runLogText}`));
}

function readAbout(record: Record<string, unknown>): RunFileAbout {
  if (record.format !== RUN_FILE_FORMAT)
    throw new RunFileError(`not a run file (its format is ${String(record.format)})`);
  if (typeof record.version !== 'number' || record.version > RUN_FILE_VERSION)
    throw new RunFileError(
      `run file version ${String(record.version)} is newer than this studio reads (${RUN_FILE_VERSION}): update the studio`,
    );
  return {
    name: typeof record.name === 'string' ? record.name : '',
    note: typeof record.note === 'string' ? record.note : '',
    savedAt: typeof record.savedAt === 'number' ? record.savedAt : Date.now(),
  };
}

/**
 * Reads a run file, a run log or a gzip-compressed run log. A cut, edited or foreign file fails
 * with a RunFileError that says what is wrong (a run log's own errors name the line).
 */
export async function readRunFile(bytes: Uint8Array): Promise<ReadRun> {
  let plain = bytes;
  if (isGzip(bytes)) {
    try {
      plain = await gunzip(bytes);
    } catch {
      throw new RunFileError('the file is cut short or damaged: its compressed data does not read');
    }
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(plain);
  } catch {
    throw new RunFileError('not a run file or a run log (it is not text)');
  }
  const newline = text.indexOf('\n');
  const firstLine = newline < 0 ? text : text.slice(0, newline);
  let first: Record<string, unknown>;
  try {
    first = JSON.parse(firstLine) as Record<string, unknown>;
  } catch {
    throw new RunFileError('not a run file or a run log (its first line is not JSON)');
  }
  const about = first?.type === 'shared-run' ? readAbout(first) : undefined;
  const logText = about ? text.slice(newline + 1) : text;
  try {
    return { about, log: decodeRunLog(logText), text: logText };
  } catch (error) {
    const where = about
      ? " (line numbers count from the run log, after the file's first line)"
      : '';
    throw new RunFileError(`${(error as Error).message}${where}`);
  }
}
