import { afterEach, describe, expect, it, vi } from 'vitest';
import { cifar10Files, gzip, tarArchive } from '../testing/cifarFixtures';
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
      'data/missing.tar.gz answered HTTP 404 Not Found; check the address, or drop',
    );
  });
});
