// A streaming reader for POSIX/GNU tar: hands each entry's bytes to a sink as they arrive, so a
// 170 MB archive is never held whole. Hand-written because the format is tiny and the well-kept
// tar libraries for JavaScript are Node-stream based and do not run in a worker.

export interface ByteSink {
  write(chunk: Uint8Array): void;
  end(): void;
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
  let longNameBytes: Uint8Array[] | null = null;
  let finished = false;

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
      longNameBytes = [];
      sink = {
        write: (chunk) => longNameBytes!.push(chunk.slice()),
        end: () => {
          const joined = new Uint8Array(longNameBytes!.reduce((n, c) => n + c.length, 0));
          let at = 0;
          for (const c of longNameBytes!) joined.set(c, (at += c.length) - c.length);
          longName = readString(joined, 0, joined.length);
        },
      };
    } else if (type === '0' || type === '7') {
      sink = openEntry(path, size);
    }
    entry = { path, sink, remaining: size, padding };
    if (size === 0) finishEntry();
  };

  const finishEntry = (): void => {
    entry?.sink?.end();
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
    // After the end marker keep reading (and discarding): a gzip layer checks its CRC only
    // when its trailer is consumed.
  }
  const last = entry as { path: string; remaining: number } | null;
  if (last && last.remaining > 0) {
    throw new ArchiveError(`the archive ends inside ${last.path} (truncated download?)`);
  }
  if (!finished && headerFill > 0) throw new ArchiveError('the archive ends inside a header');
}
