// Node-side dataset inputs: turns a path (an archive, a .bin file, or a folder of them) into the
// SourceFile streams the product's parsers read, or `builtin` into the studio's built-in set.
import { closeSync, createReadStream, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { BUILTIN_DEFAULTS, generateBuiltin } from '../../src/data/builtin';
import { loadCifar, type SourceFile } from '../../src/data/cifar';
import type { ImageDataset } from '../../src/data/dataset';
import { loadImageFolder } from '../../src/data/imageFolder';
import { archiveEntries, type ImageEntries } from '../../src/data/imageEntries';
import { decodeWithSharp, folderEntries } from './nodeImages';

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

/** Options of a dataset input on a command line. */
export interface DatasetOptions {
  /** CIFAR-100's 20 coarse labels */
  coarse?: boolean;
  /** an image-folder set without a test folder: the share of each class tested on */
  testFraction?: number;
  /** an image-folder set: the side its images are stored at */
  imageSize?: number;
}

const CIFAR_FILE = /^(data_batch_\d|test_batch|train|test)\.bin$/;

/**
 * Whether `path` holds an image-folder set rather than CIFAR: a folder with sub-folders, a zip,
 * or a tar whose files include no CIFAR batch.
 */
export async function imageFolderInput(path: string): Promise<ImageEntries | null> {
  const stat = statSync(path);
  if (stat.isDirectory())
    return readdirSync(path).some((name) => statSync(join(path, name)).isDirectory())
      ? folderEntries(path)
      : null;
  const entries = archiveEntries(fileSource(path));
  const head = new Uint8Array(2);
  const descriptor = openSync(path, 'r');
  readSync(descriptor, head, 0, 2, 0);
  closeSync(descriptor);
  if (head[0] === 0x50 && head[1] === 0x4b) return entries;
  if (!(head[0] === 0x1f && head[1] === 0x8b) && !/\.tar$/i.test(path)) return null;
  const paths = await entries.list().catch(() => null);
  if (!paths) return null;
  return paths.some((file) => CIFAR_FILE.test(file.split('/').pop() ?? '')) ? null : entries;
}

/**
 * The dataset named on a command line: `builtin` is exactly the set the studio generates (the
 * same seed, size and counts; a preset's limits then pick the same images), an image-folder set
 * (a folder or archive of class folders), or else a CIFAR input.
 */
export async function loadDatasetArgument(
  data: string,
  options: DatasetOptions = {},
): Promise<ImageDataset> {
  if (data === 'builtin') return generateBuiltin(BUILTIN_DEFAULTS);
  sourcesFromPath(data); // a missing path is named as such
  const folder = await imageFolderInput(data);
  if (folder)
    return loadImageFolder(folder, {
      decode: decodeWithSharp,
      testFraction: options.testFraction,
      side: options.imageSize,
      concurrency: 8,
    });
  return loadCifar(sourcesFromPath(data), {
    cifar100Labels: options.coarse ? 'coarse' : 'fine',
  });
}
