// Loads the dataset a DatasetSource names, in the worker: from the cache when it is there, else
// by generating, reading files, or downloading with progress; then caches what it parsed.
import { generateBuiltin } from '../data/builtin';
import { DatasetError, loadCifar, type SourceFile } from '../data/cifar';
import { parseParquetDataset, type PngDecoder } from '../data/parquetCifar';
import { hashHex, type ImageDataset } from '../data/dataset';
import { loadImageFolder, type ImageDecoder } from '../data/imageFolder';
import { archiveEntries, looseEntries, type ImageEntries } from '../data/imageEntries';
import type { DatasetPhase, DatasetSource } from '../protocol';
import { decodeInBrowser, pickedFiles } from './browserImages';
import { readCached, writeCached } from './datasetCache';

export type ProgressListener = (
  phase: DatasetPhase,
  loadedBytes: number,
  totalBytes: number | null,
) => void;

const PROGRESS_INTERVAL_MS = 100;

/** Passes bytes through unchanged, reporting the running total at most every 100 ms. */
function counting(
  stream: ReadableStream<Uint8Array>,
  phase: DatasetPhase,
  total: number | null,
  onProgress: ProgressListener,
): ReadableStream<Uint8Array> {
  let loaded = 0;
  let lastReport = 0;
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        loaded += chunk.length;
        const now = Date.now();
        if (now - lastReport > PROGRESS_INTERVAL_MS) {
          lastReport = now;
          onProgress(phase, loaded, total);
        }
        controller.enqueue(chunk);
      },
      flush(controller) {
        onProgress(phase, loaded, total);
        if (phase === 'download' && total !== null && loaded < total) {
          controller.error(
            new DatasetError(
              `the download stopped after ${loaded} of ${total} bytes; try again, or drop the archive file here instead`,
            ),
          );
        }
      },
    }),
  );
}

export function cacheKey(source: DatasetSource): string | null {
  switch (source.kind) {
    case 'builtin':
      return null; // regenerating is faster than reading it back
    case 'files':
      return `files:${source.cifar100Labels}:${source.files.map((f) => `${f.name}/${f.size}/${f.lastModified}`).join('|')}`;
    case 'url':
      return `url:${source.cifar100Labels}:${new URL(source.url, self.location.href).href}`;
    case 'huggingface': {
      const absolute = (url: string) => new URL(url, self.location.href).href;
      return `hf:${source.dataset}:${source.cifar100Labels}:${absolute(source.trainUrl)}|${absolute(source.testUrl)}`;
    }
    case 'imageFolder': {
      const files = source.archive
        ? [{ path: source.archive.name, file: source.archive }]
        : (source.files ?? []);
      const listing = files.map(({ path, file }) => `${path}/${file.size}/${file.lastModified}`);
      const digest = hashHex(new TextEncoder().encode(listing.join('|')));
      return `folder:${source.side}:${source.testFraction}:${source.name}:${files.length}:${digest}`;
    }
    case 'cached':
      return source.key;
    default: {
      const unknown: never = source;
      throw new Error(`unknown dataset source ${JSON.stringify(unknown)}`);
    }
  }
}

async function fetchSource(
  url: string,
  onProgress: ProgressListener,
  suggestion = 'Download the archive yourself and drop it here instead',
): Promise<SourceFile & { size?: number }> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new DatasetError(
      `could not download ${url} (${(error as Error).message}): you may be offline, or the server does not allow cross-origin downloads. ${suggestion}.`,
    );
  }
  if (!response.ok || !response.body) {
    throw new DatasetError(
      `${url} answered HTTP ${response.status} ${response.statusText}; check the address. ${suggestion}.`,
    );
  }
  const total = Number(response.headers.get('content-length')) || null;
  const body = response.body;
  const name = new URL(url, self.location.href).pathname.split('/').pop() || 'download';
  let used = false;
  return {
    name,
    size: total ?? undefined,
    stream: () => {
      if (used) throw new Error('a download can be read once');
      used = true;
      return counting(body, 'download', total, onProgress);
    },
  };
}

/** PNG decoding with the browser's own codecs, inside the worker. */
export const decodePngInBrowser: PngDecoder = async (png) => {
  const bitmap = await createImageBitmap(new Blob([png as BlobPart], { type: 'image/png' }));
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context)
    throw new DatasetError('this browser cannot decode images in a worker (no 2D OffscreenCanvas)');
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  return {
    width: canvas.width,
    height: canvas.height,
    rgba: context.getImageData(0, 0, canvas.width, canvas.height).data,
  };
};

async function sha256(buffers: ArrayBuffer[]): Promise<string> {
  const joined = new Uint8Array(buffers.reduce((n, b) => n + b.byteLength, 0));
  buffers.reduce((at, b) => (joined.set(new Uint8Array(b), at), at + b.byteLength), 0);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', joined));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Downloads the train and test parquet files (one progress bar over both) and decodes them. */
async function loadParquet(
  source: Extract<DatasetSource, { kind: 'huggingface' }>,
  onProgress: ProgressListener,
  decodePng: PngDecoder,
): Promise<{ dataset: ImageDataset; checksum: string }> {
  const suggestion = 'or drop the official archive here instead';
  const [train, test] = await Promise.all(
    [source.trainUrl, source.testUrl].map((url) => fetchSource(url, () => {}, suggestion)),
  );
  const totals = [train.size ?? 0, test.size ?? 0];
  const total = totals.every((t) => t > 0) ? totals[0] + totals[1] : null;
  const buffers: ArrayBuffer[] = [];
  let offset = 0;
  for (const file of [train, test]) {
    const stream = counting(file.stream(), 'download', file.size ?? null, (phase, loaded) =>
      onProgress(phase, offset + loaded, total),
    );
    try {
      buffers.push(await new Response(stream).arrayBuffer());
    } catch (error) {
      if (error instanceof DatasetError) throw error;
      throw new DatasetError(
        `the download of ${file.name} failed (${(error as Error).message}); try again, ${suggestion}`,
        { cause: error },
      );
    }
    offset += buffers.at(-1)!.byteLength;
  }
  const dataset = await parseParquetDataset(
    { train: buffers[0], test: buffers[1], trainName: train.name, testName: test.name },
    source.dataset,
    source.cifar100Labels,
    decodePng,
    (done, count) => onProgress('decode', done, count),
  );
  return { dataset, checksum: await sha256(buffers) };
}

/** The entries of an image-folder source; an archive's bytes count as read on its first pass. */
function folderEntries(
  source: Extract<DatasetSource, { kind: 'imageFolder' }>,
  onProgress: ProgressListener,
): ImageEntries {
  const { archive } = source;
  if (!archive) return looseEntries(source.name, pickedFiles(source.files ?? []));
  let passes = 0;
  return archiveEntries({
    name: archive.name,
    size: archive.size,
    stream: () =>
      passes++ === 0
        ? counting(archive.stream(), 'read', archive.size, onProgress)
        : archive.stream(),
  });
}

async function loadFolder(
  source: Extract<DatasetSource, { kind: 'imageFolder' }>,
  onProgress: ProgressListener,
  decode: ImageDecoder,
  signal?: AbortSignal,
): Promise<ImageDataset> {
  return loadImageFolder(folderEntries(source, onProgress), {
    decode,
    testFraction: source.testFraction,
    side: source.side,
    signal,
    onProgress: (phase, done, total) => {
      if (phase === 'decode') onProgress('decode', done, total);
      else if (!source.archive) onProgress('read', 0, null);
    },
  });
}

export async function loadDataset(
  source: DatasetSource,
  onProgress: ProgressListener,
  options: { decodePng?: PngDecoder; decodeImage?: ImageDecoder; signal?: AbortSignal } = {},
): Promise<{ dataset: ImageDataset; fromCache: boolean }> {
  if (source.kind === 'builtin') {
    onProgress('generate', 0, null);
    const dataset = generateBuiltin(source);
    return { dataset, fromCache: false };
  }
  const key = cacheKey(source)!;
  const cached = await readCached(key).catch(() => null);
  if (cached) return { dataset: cached, fromCache: true };
  if (source.kind === 'cached')
    throw new DatasetError(
      `${source.name} is no longer in this browser's cache (it was cleared, or the browser removed it): load it again under Dataset`,
    );
  if (source.kind === 'huggingface') {
    const { dataset, checksum } = await loadParquet(
      source,
      onProgress,
      options.decodePng ?? decodePngInBrowser,
    );
    onProgress('cache', 0, null);
    await writeCached(key, dataset, checksum).catch(() => undefined);
    return { dataset, fromCache: false };
  }
  if (source.kind === 'imageFolder') {
    const dataset = await loadFolder(
      source,
      onProgress,
      options.decodeImage ?? decodeInBrowser,
      options.signal,
    );
    onProgress('cache', 0, null);
    await writeCached(key, dataset).catch(() => undefined);
    return { dataset, fromCache: false };
  }
  const files =
    source.kind === 'files'
      ? source.files.map((file) => ({
          name: file.name,
          size: file.size,
          stream: () => counting(file.stream(), 'read', file.size, onProgress),
        }))
      : [await fetchSource(source.url, onProgress)];
  const dataset = await loadCifar(files, { cifar100Labels: source.cifar100Labels });
  onProgress('cache', 0, null);
  // A full or unavailable cache must not cost the user the dataset they just loaded.
  await writeCached(key, dataset).catch(() => undefined);
  return { dataset, fromCache: false };
}
