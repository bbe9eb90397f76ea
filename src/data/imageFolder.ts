// Loads an image-folder set (imageFolderPlan.ts decides which file is which image): every image
// decoded, centre-cropped and resized to a square by an injected decoder (the browser's own codecs
// in the worker, sharp in Node), a few at a time, straight into the dataset's arrays. Files that do
// not decode are skipped and listed; test images identical to a training image are dropped, so
// the test accuracy is not inflated by images the network trained on.
import { Random } from '../lowrank/random';
import { CHANNELS, type ImageDataset, type Split } from './dataset';
import { LoadCancelled, type ImageEntries } from './imageEntries';
import {
  DEFAULT_FOLDER_SIDE,
  DEFAULT_TEST_FRACTION,
  FOLDER_SPLIT_SEED,
  ImageFolderError,
  planImageFolder,
} from './imageFolderPlan';
import type { FolderInfo } from './folderInfo';

export type { FolderInfo } from './folderInfo';

/** Decodes one image file to `side` x `side` RGB (centre-cropped, alpha over black); throws if it cannot. */
export type ImageDecoder = (bytes: Uint8Array, side: number) => Promise<Uint8Array>;

/** skipped files named in messages and reports */
const EXAMPLES = 5;

export interface FolderLoadOptions {
  decode: ImageDecoder;
  testFraction?: number;
  side?: number;
  /** images decoded at once: the browser decodes off its thread */
  concurrency?: number;
  /** `phase` 'read' while listing, 'decode' with images done of all */
  onProgress?: (phase: 'read' | 'decode', done: number, total: number | null) => void;
  signal?: AbortSignal;
}

async function contentHash(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-1', bytes as BufferSource));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Keeps the order of a split's images apart from the seeds of the test split and training. */
const ORDER_SALT = 0x0f01_de75;

/**
 * Indices in a seeded shuffled order: a folder set lists its images class by class, and a
 * prefix of a split (an image limit, the studio's fixed test slice) must hold every class.
 */
export function shuffled(indices: number[]): number[] {
  const order = new Random((FOLDER_SPLIT_SEED ^ ORDER_SALT) >>> 0).permutation(indices.length);
  return Array.from(order, (i) => indices[i]);
}

/** Keeps `at` images of `images` (side x side RGB each) as a split. */
function gather(pixels: Uint8Array, labels: number[], at: number[], imageBytes: number): Split {
  const images = new Uint8Array(at.length * imageBytes);
  at.forEach((from, to) =>
    images.set(pixels.subarray(from * imageBytes, (from + 1) * imageBytes), to * imageBytes),
  );
  return { images, labels: Uint8Array.from(at, (i) => labels[i]), count: at.length };
}

/** A pool of `size` decodes: `add` waits for a free slot, `drain` for all. */
function decodePool(size: number) {
  const running = new Set<Promise<void>>();
  let failure: unknown = null;
  return {
    async add(task: () => Promise<void>): Promise<void> {
      while (running.size >= size) await Promise.race(running);
      if (failure) throw failure;
      const job: Promise<void> = task()
        .catch((error: unknown) => void (failure ??= error))
        .finally(() => running.delete(job));
      running.add(job);
    },
    async drain(): Promise<void> {
      await Promise.all(running);
      if (failure) throw failure;
    },
  };
}

/** Reads, checks and decodes an image-folder set. Throws ImageFolderError for the user. */
export async function loadImageFolder(
  entries: ImageEntries,
  options: FolderLoadOptions,
): Promise<ImageDataset & { folder: FolderInfo }> {
  const side = options.side ?? DEFAULT_FOLDER_SIDE;
  const { signal, onProgress } = options;
  onProgress?.('read', 0, null);
  const plan = planImageFolder(await entries.list(signal), {
    testFraction: options.testFraction ?? DEFAULT_TEST_FRACTION,
  });
  const all = [...plan.train, ...plan.test];
  const slot = new Map(all.map((image, i) => [image.path, i]));
  const imageBytes = side * side * CHANNELS;
  const pixels = new Uint8Array(all.length * imageBytes);
  const hashes: (string | null)[] = all.map(() => null);
  const skipped = [...plan.skipped];
  const pool = decodePool(options.concurrency ?? 4);
  let done = 0;
  onProgress?.('decode', 0, all.length);
  await entries.read(
    new Set(slot.keys()),
    (path, bytes) =>
      pool.add(async () => {
        if (signal?.aborted) throw new LoadCancelled();
        const i = slot.get(path)!;
        try {
          pixels.set(await options.decode(bytes, side), i * imageBytes);
          hashes[i] = await contentHash(bytes);
        } catch (error) {
          skipped.push({ path, why: `could not be decoded (${(error as Error).message})` });
        }
        if (++done % 50 === 0 || done === all.length) onProgress?.('decode', done, all.length);
      }),
    signal,
  );
  await pool.drain();
  const trainCount = plan.train.length;
  const trained = new Set(hashes.slice(0, trainCount).filter((h) => h !== null));
  const keepTrain = hashes.slice(0, trainCount).flatMap((h, i) => (h === null ? [] : [i]));
  const duplicates: string[] = [];
  const keepTest = hashes.slice(trainCount).flatMap((h, k) => {
    const i = trainCount + k;
    if (h === null) return [];
    if (trained.has(h)) {
      duplicates.push(all[i].path);
      return [];
    }
    return [i];
  });
  const labels = all.map((image) => image.label);
  const trainPerClass = plan.classNames.map(() => 0);
  for (const i of keepTrain) trainPerClass[labels[i]]++;
  const missing = plan.classNames.filter((_, c) => trainPerClass[c] === 0);
  if (missing.length)
    throw new ImageFolderError(
      `no training image of ${missing.map((name) => `'${name}'`).join(', ')} could be decoded (${skipped
        .slice(-EXAMPLES)
        .map((file) => `${file.path}: ${file.why}`)
        .join('; ')})`,
    );
  if (keepTest.length === 0)
    throw new ImageFolderError(
      'no test image is left (none decoded, or all repeat a training image)',
    );
  return {
    kind: 'folder',
    name: `${entries.name} (image folders)`,
    classNames: plan.classNames,
    height: side,
    width: side,
    train: gather(pixels, labels, shuffled(keepTrain), imageBytes),
    test: gather(pixels, labels, shuffled(keepTest), imageBytes),
    folder: {
      source: entries.name,
      split: plan.split,
      side,
      skipped: { count: skipped.length, examples: skipped.slice(0, EXAMPLES) },
      duplicates: { count: duplicates.length, examples: duplicates.slice(0, EXAMPLES) },
      nested: plan.nested,
    },
  };
}
