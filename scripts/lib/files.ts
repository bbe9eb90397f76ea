// Node-side dataset inputs: turns a path (an archive, a .bin file, or a folder of them) into the
// SourceFile streams the product's parsers read, or `builtin` into the studio's built-in set.
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { BUILTIN_DEFAULTS, generateBuiltin } from '../../src/data/builtin';
import { loadCifar, type SourceFile } from '../../src/data/cifar';
import type { ImageDataset } from '../../src/data/dataset';

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

/**
 * The dataset named on a command line: `builtin` is exactly the set the studio generates (the
 * same seed, size and counts; a preset's limits then pick the same images), anything else a CIFAR
 * input.
 */
export async function loadDatasetArgument(data: string, coarse: boolean): Promise<ImageDataset> {
  if (data === 'builtin') return generateBuiltin(BUILTIN_DEFAULTS);
  return loadCifar(sourcesFromPath(data), { cifar100Labels: coarse ? 'coarse' : 'fine' });
}
