// The files of an image-folder set, wherever they are: a .zip (fflate's streaming reader), a .tar
// or .tar.gz (tar.ts), or files with their relative paths (a picked folder, a Node directory). An
// archive is read twice, once for the paths and once for the wanted images, so no more than the
// images being decoded is ever held; limits stop an archive that expands without end.
import { Unzip, UnzipInflate } from 'fflate';
import type { SourceFile } from './cifar';
import { ImageFolderError } from './imageFolderPlan';
import { gunzip, looksLikeHtml, peek } from './streams';
import { ArchiveError, looksLikeTar, readTar } from './tar';

/** What an archive may expand to before it is taken for a zip bomb. */
export interface ArchiveLimits {
  /** files listed */
  files: number;
  /** bytes of one file, expanded */
  fileBytes: number;
  /** bytes of every file together, expanded */
  totalBytes: number;
}

export const ARCHIVE_LIMITS: ArchiveLimits = {
  files: 500_000,
  fileBytes: 256 * 2 ** 20,
  totalBytes: 16 * 2 ** 30,
};

/** Reads wanted files one by one; `take` may hold the reader back by returning a promise. */
export type UseFile = (path: string, bytes: Uint8Array) => Promise<void>;

export interface ImageEntries {
  /** the archive's or folder's name, for the dataset's name and messages */
  name: string;
  /** every file's path */
  list(signal?: AbortSignal): Promise<string[]>;
  read(wanted: ReadonlySet<string>, take: UseFile, signal?: AbortSignal): Promise<void>;
}

/** A file whose bytes can be read at any time (a picked file, a file on disk). */
export interface LooseFile {
  path: string;
  read(): Promise<Uint8Array>;
}

export class LoadCancelled extends Error {
  constructor() {
    super('loading was cancelled');
  }
}

function checkSignal(signal?: AbortSignal): void {
  if (signal?.aborted) throw new LoadCancelled();
}

/** Files with their relative paths: read on demand, in listing order. */
export function looseEntries(name: string, files: readonly LooseFile[]): ImageEntries {
  return {
    name,
    list: async () => files.map((file) => file.path),
    read: async (wanted, take, signal) => {
      for (const file of files) {
        checkSignal(signal);
        if (wanted.has(file.path)) await take(file.path, await file.read());
      }
    },
  };
}

type Format = 'zip' | 'tar' | 'tar.gz';

/** Sniffs the archive's format from its first bytes (a name can lie). */
async function openArchive(
  file: SourceFile,
): Promise<{ format: Format; stream: ReadableStream<Uint8Array> }> {
  let { head, whole } = await peek(file.stream(), 512);
  if (head[0] === 0x50 && head[1] === 0x4b) return { format: 'zip', stream: whole };
  if (head[0] === 0x1f && head[1] === 0x8b) {
    ({ head, whole } = await peek(gunzip(whole), 512));
    if (looksLikeTar(head)) return { format: 'tar.gz', stream: whole };
    throw new ImageFolderError(`${file.name}: is gzip but holds no tar archive`);
  }
  if (looksLikeTar(head)) return { format: 'tar', stream: whole };
  await whole.cancel();
  throw new ImageFolderError(
    looksLikeHtml(head)
      ? `${file.name}: is a web page (HTML), not an archive of images`
      : `${file.name}: is not a .zip, .tar or .tar.gz archive (or a folder) of images`,
  );
}

/** Counts what an archive expands to and refuses it past the limits. */
class Expansion {
  private total = 0;
  private files = 0;

  constructor(
    private readonly name: string,
    private readonly limits: ArchiveLimits,
  ) {}

  file(): void {
    if (++this.files > this.limits.files)
      throw new ImageFolderError(
        `${this.name}: holds more than ${this.limits.files.toLocaleString('en-US')} files; split it into smaller archives`,
      );
  }

  bytes(path: string, fileBytes: number, added: number): void {
    this.total += added;
    if (fileBytes > this.limits.fileBytes)
      throw new ImageFolderError(
        `${this.name}: ${path} expands past ${this.limits.fileBytes / 2 ** 20} MB: not an image this studio reads (or a zip bomb)`,
      );
    if (this.total > this.limits.totalBytes)
      throw new ImageFolderError(
        `${this.name}: expands past ${this.limits.totalBytes / 2 ** 30} GB: refused as a likely zip bomb`,
      );
  }
}

/** Runs `handle` over each chunk of `stream`, stopping early when `signal` fires. */
async function eachChunk(
  stream: ReadableStream<Uint8Array>,
  handle: (chunk: Uint8Array) => Promise<void> | void,
  signal?: AbortSignal,
): Promise<void> {
  const reader = stream.getReader();
  try {
    for (;;) {
      checkSignal(signal);
      const { done, value } = await reader.read();
      if (done) return;
      await handle(value);
    }
  } catch (error) {
    await reader.cancel().catch(() => {});
    throw error;
  }
}

/** One pass over a zip: every file's path to `found`, wanted files' bytes to `take`. */
async function zipPass(
  name: string,
  stream: ReadableStream<Uint8Array>,
  limits: ArchiveLimits,
  found: (path: string) => void,
  wanted: ReadonlySet<string> | null,
  take: UseFile | null,
  signal?: AbortSignal,
): Promise<void> {
  const expansion = new Expansion(name, limits);
  const unzip = new Unzip();
  unzip.register(UnzipInflate);
  let failure: unknown = null;
  const ready: Promise<void>[] = [];
  unzip.onfile = (file) => {
    if (failure || file.name.endsWith('/')) return;
    try {
      expansion.file();
      found(file.name);
    } catch (error) {
      failure = error;
      return;
    }
    if (!wanted?.has(file.name) || !take) return;
    const parts: Uint8Array[] = [];
    let size = 0;
    file.ondata = (error, data, final) => {
      if (failure) return;
      try {
        if (error) throw error;
        size += data.length;
        expansion.bytes(file.name, size, data.length);
        parts.push(data);
        if (!final) return;
        const bytes = new Uint8Array(size);
        parts.reduce((at, part) => (bytes.set(part, at), at + part.length), 0);
        ready.push(take(file.name, bytes));
      } catch (caught) {
        failure = caught;
        file.terminate();
      }
    };
    file.start();
  };
  const push = (chunk: Uint8Array, final: boolean) => {
    try {
      unzip.push(chunk, final);
    } catch (error) {
      failure ??= new ImageFolderError(
        `${name}: is not a readable zip (${(error as Error).message})`,
      );
    }
    if (failure) throw failure;
  };
  let tail: Uint8Array = new Uint8Array(0);
  await eachChunk(
    stream,
    async (chunk) => {
      tail = lastBytes(tail, chunk, ZIP_TAIL);
      // fflate recurses once per entry a pushed chunk holds: small pieces keep the stack short
      for (let at = 0; at < chunk.length; at += ZIP_PIECE) {
        push(chunk.subarray(at, at + ZIP_PIECE), false);
        if (ready.length) await Promise.all(ready.splice(0));
      }
    },
    signal,
  );
  push(new Uint8Array(0), true);
  await Promise.all(ready.splice(0));
  // the streaming reader never reaches the central directory: its end record shows the whole
  // archive arrived
  if (!hasZipEnd(tail))
    throw new ImageFolderError(`${name}: the zip ends early (a truncated download or copy?)`);
}

const ZIP_PIECE = 16 * 1024;

/** The end-of-central-directory record sits in the last 22 bytes plus a comment of up to 64 KB. */
const ZIP_TAIL = 22 + 0xffff;

function lastBytes(tail: Uint8Array, chunk: Uint8Array, keep: number): Uint8Array {
  if (chunk.length >= keep) return chunk.slice(chunk.length - keep);
  const joined = new Uint8Array(Math.min(keep, tail.length + chunk.length));
  const fromTail = joined.length - chunk.length;
  joined.set(tail.subarray(tail.length - fromTail), 0);
  joined.set(chunk, fromTail);
  return joined;
}

function hasZipEnd(tail: Uint8Array): boolean {
  for (let i = tail.length - 22; i >= 0; i--)
    if (tail[i] === 0x50 && tail[i + 1] === 0x4b && tail[i + 2] === 5 && tail[i + 3] === 6)
      return true;
  return false;
}

/** One pass over a tar (gzip undone): as zipPass. */
async function tarPass(
  name: string,
  stream: ReadableStream<Uint8Array>,
  limits: ArchiveLimits,
  found: (path: string) => void,
  wanted: ReadonlySet<string> | null,
  take: UseFile | null,
  signal?: AbortSignal,
): Promise<void> {
  const expansion = new Expansion(name, limits);
  const counted = stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        checkSignal(signal);
        // the tar itself counts against the total: a small .tar.gz may expand without end
        expansion.bytes(name, 0, chunk.length);
        controller.enqueue(chunk);
      },
    }),
  );
  try {
    await readTar(counted, (path, size) => {
      expansion.file();
      found(path);
      if (!wanted?.has(path) || !take) return null;
      expansion.bytes(path, size, 0);
      const bytes = new Uint8Array(size);
      let at = 0;
      return {
        write: (chunk) => {
          bytes.set(chunk, at);
          at += chunk.length;
        },
        end: () => take(path, bytes),
      };
    });
  } catch (error) {
    if (error instanceof ArchiveError) throw new ImageFolderError(`${name}: ${error.message}`);
    if (error instanceof ImageFolderError || error instanceof LoadCancelled) throw error;
    throw new ImageFolderError(
      `${name}: could not be read (${(error as Error).message}); the archive is corrupt or truncated`,
    );
  }
}

/** A .zip, .tar or .tar.gz of images, read in two passes. */
export function archiveEntries(
  file: SourceFile,
  limits: ArchiveLimits = ARCHIVE_LIMITS,
): ImageEntries {
  const pass = async (
    found: (path: string) => void,
    wanted: ReadonlySet<string> | null,
    take: UseFile | null,
    signal?: AbortSignal,
  ) => {
    const { format, stream } = await openArchive(file);
    const run = format === 'zip' ? zipPass : tarPass;
    await run(file.name, stream, limits, found, wanted, take, signal);
  };
  return {
    name: file.name,
    list: async (signal) => {
      const paths: string[] = [];
      await pass((path) => paths.push(path), null, null, signal);
      return paths;
    },
    read: (wanted, take, signal) => pass(() => {}, wanted, take, signal),
  };
}
