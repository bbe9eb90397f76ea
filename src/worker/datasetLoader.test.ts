import { afterEach, describe, expect, it, vi } from 'vitest';
import { cifar10Files, gzip, tarArchive } from '../testing/cifarFixtures';
import { cifarParquet, decodePngInNode } from '../testing/parquetFixtures';
import { loadDataset } from './datasetLoader';

/** A fetch answering with `body` in 500-byte chunks and the given Content-Length. */
function stubFetch(body: Uint8Array, contentLength = body.length) {
  vi.stubGlobal('self', { location: { href: 'http://studio.test/' } });
  vi.stubGlobal('fetch', async () => {
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < body.length; i += 500) controller.enqueue(body.slice(i, i + 500));
        controller.close();
      },
    });
    return new Response(stream, { headers: { 'content-length': String(contentLength) } });
  });
}

afterEach(() => vi.unstubAllGlobals());

describe('loadDataset from a URL (no IndexedDB in Node: the cache is skipped)', () => {
  it('reports download progress that rises to the full size, then parses', async () => {
    const archive = await gzip(tarArchive(cifar10Files()));
    stubFetch(archive);
    const events: { phase: string; loaded: number; total: number | null }[] = [];
    const { dataset, fromCache } = await loadDataset(
      { kind: 'url', url: 'data/cifar-10-binary.tar.gz', cifar100Labels: 'fine' },
      (phase, loaded, total) => events.push({ phase, loaded, total }),
    );
    expect(fromCache).toBe(false);
    expect(dataset.train.count).toBe(15);
    const downloads = events.filter((e) => e.phase === 'download');
    expect(downloads.length).toBeGreaterThan(0);
    downloads.forEach((e, i) => {
      expect(e.total).toBe(archive.length);
      if (i > 0) expect(e.loaded).toBeGreaterThanOrEqual(downloads[i - 1].loaded);
    });
    expect(downloads.at(-1)!.loaded).toBe(archive.length);
    expect(events.at(-1)!.phase).toBe('cache');
  });

  it('a partial download gives a clear message', async () => {
    const archive = await gzip(tarArchive(cifar10Files()));
    stubFetch(archive.slice(0, 600), archive.length);
    await expect(
      loadDataset(
        { kind: 'url', url: 'x/cifar-10-binary.tar.gz', cifar100Labels: 'fine' },
        () => {},
      ),
    ).rejects.toThrow(/download stopped after 600 of \d+ bytes/);
  });

  it('an HTTP error names the status and suggests the file drop', async () => {
    vi.stubGlobal('self', { location: { href: 'http://studio.test/' } });
    vi.stubGlobal(
      'fetch',
      async () => new Response('no', { status: 404, statusText: 'Not Found' }),
    );
    await expect(
      loadDataset({ kind: 'url', url: 'data/missing.tar.gz', cifar100Labels: 'fine' }, () => {}),
    ).rejects.toThrow(
      'data/missing.tar.gz answered HTTP 404 Not Found; check the address. Download the archive yourself and drop',
    );
  });
});

describe('loadDataset from Hugging Face parquet files', () => {
  const files: Record<string, Uint8Array> = {
    'http://hub.test/train.parquet': new Uint8Array(
      cifarParquet({ label: [1, 2, 3, 4] }, [1, 2, 3, 4]),
    ),
    'http://hub.test/test.parquet': new Uint8Array(cifarParquet({ label: [7] }, [5])),
  };
  const source = {
    kind: 'huggingface',
    dataset: 'cifar10',
    trainUrl: 'http://hub.test/train.parquet',
    testUrl: 'http://hub.test/test.parquet',
    cifar100Labels: 'fine',
  } as const;

  function stubHub(truncate = false) {
    vi.stubGlobal('self', { location: { href: 'http://studio.test/' } });
    vi.stubGlobal('fetch', async (url: string) => {
      const body = files[url];
      const sent = truncate ? body.slice(0, 100) : body;
      return new Response(new Blob([sent as BlobPart]).stream(), {
        headers: { 'content-length': String(body.length) },
      });
    });
  }

  it('downloads both files under one progress total, then decodes every image', async () => {
    stubHub();
    const events: { phase: string; loaded: number; total: number | null }[] = [];
    const { dataset } = await loadDataset(
      source,
      (phase, loaded, total) => events.push({ phase, loaded, total }),
      {
        decodePng: decodePngInNode,
      },
    );
    expect(dataset.train.count).toBe(4);
    expect(Array.from(dataset.test.labels)).toEqual([7]);
    const total = files[source.trainUrl].length + files[source.testUrl].length;
    const downloads = events.filter((e) => e.phase === 'download');
    downloads.forEach((e, i) => {
      expect(e.total).toBe(total);
      if (i > 0) expect(e.loaded).toBeGreaterThanOrEqual(downloads[i - 1].loaded);
    });
    expect(downloads.at(-1)!.loaded).toBe(total);
    expect(events.filter((e) => e.phase === 'decode').map((e) => e.loaded)).toEqual([4, 1]);
  });

  it('a partial download names the file and suggests the archive', async () => {
    stubHub(true);
    await expect(loadDataset(source, () => {}, { decodePng: decodePngInNode })).rejects.toThrow(
      /download stopped after 100 of \d+ bytes/,
    );
  });
});

describe('loadDataset: your own images', () => {
  const decodeImage = async (bytes: Uint8Array, side: number) =>
    new Uint8Array(side * side * 3).fill(bytes[0]);
  const images = () => {
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 10; i++) {
      files[`pets/cat/${i}.jpg`] = Uint8Array.of(i, 1);
      files[`pets/dog/${i}.jpg`] = Uint8Array.of(100 + i, 2);
    }
    return files;
  };

  it('reads an archive (progress in bytes, then in images) and a folder alike', async () => {
    const archive = new File([(await gzip(tarArchive(images()))) as BlobPart], 'pets.tar.gz');
    const events: { phase: string; loaded: number; total: number | null }[] = [];
    const source = { kind: 'imageFolder', name: archive.name, testFraction: 0.2, side: 8 } as const;
    const fromArchive = await loadDataset(
      { ...source, archive },
      (phase, loaded, total) => events.push({ phase, loaded, total }),
      { decodeImage },
    );
    expect(fromArchive.dataset.name).toBe('pets.tar.gz (image folders)');
    expect(fromArchive.dataset.classNames).toEqual(['cat', 'dog']);
    expect(events.filter((e) => e.phase === 'read').at(-1)).toMatchObject({ total: archive.size });
    expect(events.filter((e) => e.phase === 'decode').at(-1)).toEqual({
      phase: 'decode',
      loaded: 20,
      total: 20,
    });
    const files = Object.entries(images()).map(([path, bytes]) => ({
      path,
      file: new File([bytes as BlobPart], path.split('/').pop()!),
    }));
    const fromFolder = await loadDataset({ ...source, name: 'pets', files }, () => {}, {
      decodeImage,
    });
    expect(fromFolder.dataset.test.count).toBe(4);
    expect(fromFolder.dataset.test.images).toEqual(fromArchive.dataset.test.images);
  });

  it('stops when cancelled, and says so', async () => {
    const controller = new AbortController();
    const files = Object.entries(images()).map(([path, bytes]) => ({
      path,
      file: new File([bytes as BlobPart], 'x.jpg'),
    }));
    const slow = async (bytes: Uint8Array, side: number) => {
      controller.abort();
      return decodeImage(bytes, side);
    };
    await expect(
      loadDataset(
        { kind: 'imageFolder', name: 'pets', files, testFraction: 0.2, side: 8 },
        () => {},
        { decodeImage: slow, signal: controller.signal },
      ),
    ).rejects.toThrow('loading was cancelled');
  });
});
