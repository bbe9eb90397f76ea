import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { gzip, sourceFile, tarArchive } from '../testing/cifarFixtures';
import { fingerprint } from './dataset';
import { folderNotice } from './folderInfo';
import { loadImageFolder, shuffled, type ImageDecoder } from './imageFolder';
import {
  archiveEntries,
  LoadCancelled,
  looseEntries,
  type ArchiveLimits,
  type ImageEntries,
} from './imageEntries';

const encoder = new TextEncoder();

/** A stand-in for the codecs: the image is its file's first byte everywhere; "BAD" fails. */
const decode: ImageDecoder = async (bytes, side) => {
  if (new TextDecoder().decode(bytes.subarray(0, 3)) === 'BAD') throw new Error('corrupt JPEG');
  return new Uint8Array(side * side * 3).fill(bytes[0]);
};

/** Two classes of 6 images with distinct bytes, a readme, non-Latin and spaced names. */
function files(): Record<string, Uint8Array> {
  const set: Record<string, Uint8Array> = { 'my set/README.md': encoder.encode('# notes') };
  for (let i = 0; i < 6; i++) {
    set[`my set/chat noir/${i}.jpg`] = Uint8Array.of(10 + i, 1, 2, 3);
    set[`my set/猫/${i}.png`] = Uint8Array.of(100 + i, 4, 5, 6);
  }
  return set;
}

const load = (entries: ImageEntries, side = 4) =>
  loadImageFolder(entries, { decode, side, testFraction: 0.25 });

const loose = (set: Record<string, Uint8Array>) =>
  looseEntries(
    'my set',
    Object.entries(set).map(([path, bytes]) => ({ path, read: async () => bytes })),
  );

describe('loadImageFolder', () => {
  it('gives the same dataset from a zip, a tar, a pax tar.gz and a folder', async () => {
    const set = files();
    const sources: ImageEntries[] = [
      archiveEntries(sourceFile('set.zip', zipSync(set), 7)),
      archiveEntries(sourceFile('set.tar', tarArchive(set), 100)),
      archiveEntries(sourceFile('set.tar.gz', await gzip(tarArchive(set, true)), 50)),
      loose(set),
    ];
    const loaded = await Promise.all(sources.map((entries) => load(entries)));
    for (const dataset of loaded) {
      expect(dataset.kind).toBe('folder');
      expect(dataset.classNames).toEqual(['chat noir', '猫']);
      expect([dataset.train.count, dataset.test.count]).toEqual([9, 3]);
      expect(fingerprint(dataset.train)).toBe(fingerprint(loaded[0].train));
      expect(fingerprint(dataset.test)).toBe(fingerprint(loaded[0].test));
      expect(dataset.folder.skipped.examples).toEqual([
        { path: 'my set/README.md', why: 'not inside a class folder' },
      ]);
    }
    // pixels land in the slot of their own image, labels beside them
    const { train } = loaded[0];
    for (let n = 0; n < train.count; n++)
      expect(train.images[n * 48] < 100 ? 0 : 1).toBe(train.labels[n]);
  });

  it('skips and lists files that do not decode, and drops test images repeating a training one', async () => {
    const set = files();
    set['my set/chat noir/broken.jpg'] = encoder.encode('BAD bytes');
    // the same bytes under every name: whichever lands in the test split repeats a training image
    for (let i = 0; i < 6; i++) set[`my set/chat noir/copy${i}.jpg`] = Uint8Array.of(77, 7, 7);
    const dataset = await load(loose(set));
    expect(dataset.folder.skipped.count).toBe(2);
    expect(dataset.folder.skipped.examples[1]).toEqual({
      path: 'my set/chat noir/broken.jpg',
      why: 'could not be decoded (corrupt JPEG)',
    });
    expect(dataset.folder.duplicates.count).toBeGreaterThan(0);
    expect(folderNotice(dataset.folder)).toMatch(
      /2 files skipped .*broken\.jpg: could not be decoded.*left out for repeating a training image/,
    );
  });

  it('refuses a class none of whose training images decode', async () => {
    const set = files();
    for (let i = 0; i < 6; i++) set[`my set/猫/${i}.png`] = encoder.encode(`BAD ${i}`);
    await expect(load(loose(set))).rejects.toThrow(/no training image of '猫' could be decoded/);
  });
});

describe('archives that are not image sets', () => {
  const tiny: ArchiveLimits = { files: 100, fileBytes: 1000, totalBytes: 5000 };

  it('a zip bomb: one file expanding past its limit, or all together past theirs', async () => {
    const big = { ...files(), 'my set/猫/huge.jpg': new Uint8Array(5000) };
    await expect(load(archiveEntries(sourceFile('bomb.zip', zipSync(big)), tiny))).rejects.toThrow(
      /bomb\.zip: my set\/猫\/huge\.jpg expands past/,
    );
    const many: Record<string, Uint8Array> = {};
    for (let i = 0; i < 8; i++) many[`c${i % 2}/${i}.jpg`] = new Uint8Array(900).fill(i + 1);
    const tar = await gzip(tarArchive(many));
    await expect(load(archiveEntries(sourceFile('bomb.tar.gz', tar), tiny))).rejects.toThrow(
      /bomb\.tar\.gz: expands past .* likely zip bomb/,
    );
  });

  it('too many files', async () => {
    const set = files();
    const limits = { files: 5, fileBytes: 1e6, totalBytes: 1e9 };
    await expect(load(archiveEntries(sourceFile('s.zip', zipSync(set)), limits))).rejects.toThrow(
      /holds more than 5 files/,
    );
  });

  it('corrupt, truncated, or not an archive at all', async () => {
    const zip = zipSync(files());
    const tgz = await gzip(tarArchive(files()));
    await expect(load(archiveEntries(sourceFile('a.zip', zip.slice(0, 200))))).rejects.toThrow(
      /a\.zip: the zip ends early/,
    );
    await expect(
      load(archiveEntries(sourceFile('a.tar.gz', tgz.slice(0, tgz.length - 30)))),
    ).rejects.toThrow(/a\.tar\.gz: could not be read|a\.tar\.gz: the archive ends/);
    await expect(
      load(archiveEntries(sourceFile('photo.jpg', encoder.encode('just bytes')))),
    ).rejects.toThrow(/photo\.jpg: is not a \.zip, \.tar or \.tar\.gz archive/);
  });

  it('cancels when its signal fires', async () => {
    const controller = new AbortController();
    const slow: ImageDecoder = async (bytes, side) => {
      controller.abort();
      return decode(bytes, side);
    };
    await expect(
      loadImageFolder(loose(files()), { decode: slow, signal: controller.signal }),
    ).rejects.toBeInstanceOf(LoadCancelled);
  });
});

describe('a large zip in one chunk', () => {
  it('reads thousands of entries delivered at once', async () => {
    const many: Record<string, Uint8Array> = {};
    for (let i = 0; i < 3000; i++) many[`c${i % 3}/${i}.png`] = Uint8Array.of(i % 251, i >> 8, 1);
    const zip = zipSync(many, { level: 0 });
    const dataset = await loadImageFolder(archiveEntries(sourceFile('many.zip', zip, zip.length)), {
      decode,
      side: 2,
    });
    expect(dataset.train.count + dataset.test.count + dataset.folder.duplicates.count).toBe(3000);
  });
});

describe('the order a split is kept in', () => {
  it('is one seeded shuffle, the twin’s too (test_image_load.py), so a prefix holds every class', () => {
    expect(shuffled([10, 11, 12, 13, 14, 15, 16, 17, 18, 19])).toEqual([
      19, 18, 17, 11, 10, 15, 13, 16, 12, 14,
    ]);
  });
});
