// Loads the dataset a DatasetSource names, in the worker: from the cache when it is there, else
// by generating, reading files, or downloading with progress; then caches what it parsed.
import { generateBuiltin } from '../data/builtin';
import { DatasetError, loadCifar, type SourceFile } from '../data/cifar';
import type { ImageDataset } from '../data/dataset';
import type { DatasetPhase, DatasetSource } from '../protocol';
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
    default: {
      const unknown: never = source;
      throw new Error(`unknown dataset source ${JSON.stringify(unknown)}`);
    }
  }
}

async function fetchSource(url: string, onProgress: ProgressListener): Promise<SourceFile> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new DatasetError(
      `could not download ${url} (${(error as Error).message}): you may be offline, or the server does not allow cross-origin downloads. Download the archive yourself and drop it here instead.`,
    );
  }
  if (!response.ok || !response.body) {
    throw new DatasetError(
      `${url} answered HTTP ${response.status} ${response.statusText}; check the address, or drop the archive file here instead.`,
    );
  }
  const total = Number(response.headers.get('content-length')) || null;
  const body = response.body;
  const name = new URL(url, self.location.href).pathname.split('/').pop() || 'download';
  let used = false;
  return {
    name,
    stream: () => {
      if (used) throw new Error('a download can be read once');
      used = true;
      return counting(body, 'download', total, onProgress);
    },
  };
}

export async function loadDataset(
  source: DatasetSource,
  onProgress: ProgressListener,
): Promise<{ dataset: ImageDataset; fromCache: boolean }> {
  if (source.kind === 'builtin') {
    onProgress('generate', 0, null);
    const dataset = generateBuiltin(source);
    return { dataset, fromCache: false };
  }
  const key = cacheKey(source)!;
  const cached = await readCached(key).catch(() => null);
  if (cached) return { dataset: cached, fromCache: true };
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
