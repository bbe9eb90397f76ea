// Node-side dataset inputs: turns a path (an archive, a .bin file, or a folder of them) into the
// SourceFile streams the product's parsers read.
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import type { SourceFile } from '../../src/data/cifar';

function fileSource(path: string): SourceFile {
  return {
    name: basename(path),
    size: statSync(path).size,
    stream: () => Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>,
  };
}

export function sourcesFromPath(path: string): SourceFile[] {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new Error(`${path}: no such file or folder`);
  }
  if (!stat.isDirectory()) return [fileSource(path)];
  return readdirSync(path)
    .filter((name) => statSync(join(path, name)).isFile())
    .sort()
    .map((name) => fileSource(join(path, name)));
}
