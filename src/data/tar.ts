// A streaming reader for POSIX/GNU tar: hands each entry's bytes to a sink as they arrive, so a
// 170 MB archive is never held whole. Hand-written because the format is tiny and the well-kept
// tar libraries for JavaScript are Node-stream based and do not run in a worker.

export interface ByteSink {
  write(chunk: Uint8Array): void;
  /** a promise holds the reader back until it settles (a consumer slower than the archive) */
  end(): void | Promise<void>;
}

export class ArchiveError extends Error {}

const BLOCK = 512;

function readString(block: Uint8Array, offset: number, length: number): string {
  let end = offset;
  while (end < offset + length && block[end] !== 0) end++;
  return new TextDecoder().decode(block.subarray(offset, end));
}

function readOctal(block: Uint8Array, offset: number, length: number): number {
  const text = readString(block, offset, length).trim();
  if (!/^[0-7]*$/.test(text)) throw new ArchiveError('not a tar archive (bad size field)');
  return text === '' ? 0 : parseInt(text, 8);
}

/** The `path` record of a pax extended header ("<length> path=<name>\n", lengths in bytes). */
function paxPath(bytes: Uint8Array): string | null {
  const decoder = new TextDecoder();
  for (let at = 0; at < bytes.length;) {
    const space = bytes.indexOf(0x20, at);
    const length = parseInt(decoder.decode(bytes.subarray(at, space)), 10);
    if (space < 0 || !(length > 0)) break;
    const record = decoder.decode(bytes.subarray(space + 1, at + length - 1));
    if (record.startsWith('path=')) return record.slice(5);
    at += length;
  }
  return null;
}

export function looksLikeTar(firstBlock: Uint8Array): boolean {
  return firstBlock.length >= 262 && readString(firstBlock, 257, 5) === 'ustar';
}

/**
 * Reads `stream` as a tar archive; for every regular file `openEntry(path, size)` returns a sink
 * for its bytes, or null to skip it.
 */
export async function readTar(
  stream: ReadableStream<Uint8Array>,
  openEntry: (path: string, size: number) => ByteSink | null,
): Promise<void> {
  const header = new Uint8Array(BLOCK);
  let headerFill = 0;
  let entry: { path: string; sink: ByteSink | null; remaining: number; padding: number } | null =
    null;
  let longName: string | null = null;
  let finished = false;
  const waiting: Promise<void>[] = [];

  /** Collects an entry's bytes (a long name, a pax header) and hands them over whole. */
  const collect = (done: (bytes: Uint8Array) => void): ByteSink => {
    const parts: Uint8Array[] = [];
    return {
      write: (chunk) => parts.push(chunk.slice()),
      end: () => {
        const joined = new Uint8Array(parts.reduce((n, c) => n + c.length, 0));
        parts.reduce((at, c) => (joined.set(c, at), at + c.length), 0);
        done(joined);
      },
    };
  };

  const startEntry = (): void => {
    if (header.every((b) => b === 0)) {
      finished = true;
      return;
    }
    if (!looksLikeTar(header) && readString(header, 257, 6) !== 'ustar ') {
      throw new ArchiveError('not a tar archive (no ustar header)');
    }
    const size = readOctal(header, 124, 12);
    const type = String.fromCharCode(header[156] || 48);
    const prefix = readString(header, 345, 155);
    const name = readString(header, 0, 100);
    const path = longName ?? (prefix ? `${prefix}/${name}` : name);
    longName = null;
    const padding = (BLOCK - (size % BLOCK)) % BLOCK;
    let sink: ByteSink | null = null;
    if (type === 'L') {
      sink = collect((bytes) => (longName = readString(bytes, 0, bytes.length)));
    } else if (type === 'x') {
      // a pax header (Python's and bsdtar's default): a `path` record names the next entry
      sink = collect((bytes) => (longName = paxPath(bytes) ?? longName));
    } else if (type === '0' || type === '7') {
      sink = openEntry(path, size);
    }
    entry = { path, sink, remaining: size, padding };
    if (size === 0) finishEntry();
  };

  const finishEntry = (): void => {
    const wait = entry?.sink?.end();
    if (wait) waiting.push(wait);
  };

  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    let offset = 0;
    while (offset < value.length && !finished) {
      if (entry === null) {
        const take = Math.min(BLOCK - headerFill, value.length - offset);
        header.set(value.subarray(offset, offset + take), headerFill);
        headerFill += take;
        offset += take;
        if (headerFill === BLOCK) {
          headerFill = 0;
          startEntry();
        }
        continue;
      }
      const current: { path: string; sink: ByteSink | null; remaining: number; padding: number } =
        entry;
      if (current.remaining > 0) {
        const take = Math.min(current.remaining, value.length - offset);
        current.sink?.write(value.subarray(offset, offset + take));
        current.remaining -= take;
        offset += take;
        if (current.remaining === 0) finishEntry();
        continue;
      }
      const skip = Math.min(current.padding, value.length - offset);
      current.padding -= skip;
      offset += skip;
      if (current.padding === 0) entry = null;
    }
    if (waiting.length) await Promise.all(waiting.splice(0));
    // After the end marker keep reading (and discarding): a gzip layer checks its CRC only
    // when its trailer is consumed.
  }
  const last = entry as { path: string; remaining: number } | null;
  if (last && last.remaining > 0) {
    throw new ArchiveError(`the archive ends inside ${last.path} (truncated download?)`);
  }
  if (!finished && headerFill > 0) throw new ArchiveError('the archive ends inside a header');
}
