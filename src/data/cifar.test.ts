import { describe, expect, it } from 'vitest';
import {
  cifar100Records,
  cifar10Files,
  cifar10Records,
  gzip,
  sourceFile,
  tarArchive,
} from '../testing/cifarFixtures';
import { loadCifar } from './cifar';
import { datasetWarnings, describeDataset, type ImageDataset } from './dataset';

const looseFiles = () =>
  Object.entries(cifar10Files()).map(([path, data]) => sourceFile(path.split('/').pop()!, data));

describe('loadCifar: CIFAR-10', () => {
  it('parses records into NHWC pixels and labels exactly', async () => {
    const dataset = await loadCifar(looseFiles());
    expect(dataset.kind).toBe('cifar10');
    expect(dataset.train.count).toBe(15);
    expect(dataset.test.count).toBe(4);
    expect(Array.from(dataset.train.labels.subarray(0, 6))).toEqual([1, 4, 9, 2, 5, 9]);
    expect(Array.from(dataset.test.labels)).toEqual([0, 1, 2, 3]);
    // test image 1, pixel (row 2, col 5): planes hold value (p * 7 + i * 13 + seed) % 256
    const p = 2 * 32 + 5;
    const expected = [p, 1024 + p, 2048 + p].map((plane) => (plane * 7 + 13 + 99) % 256);
    const at = 1 * 3072 + p * 3;
    expect(Array.from(dataset.test.images.subarray(at, at + 3))).toEqual(expected);
    expect(dataset.classNames[9]).toBe('truck');
  });

  it('gives the same arrays from the .tar.gz, the .tar and the loose .bin files', async () => {
    const tar = tarArchive(cifar10Files());
    const forms = [
      [sourceFile('cifar-10-binary.tar.gz', await gzip(tar), 777)],
      [sourceFile('cifar-10-binary.tar', tar, 4096)],
      looseFiles(),
    ];
    const [fromGzip, fromTar, fromLoose] = await Promise.all(forms.map((f) => loadCifar(f)));
    for (const other of [fromTar, fromLoose]) {
      expect(other.train.images).toEqual(fromGzip.train.images);
      expect(other.train.labels).toEqual(fromGzip.train.labels);
      expect(other.test.images).toEqual(fromGzip.test.images);
      expect(other.classNames).toEqual(fromGzip.classNames);
    }
    expect(describeDataset(fromGzip).train.histogram).toEqual([0, 1, 1, 1, 2, 2, 1, 1, 1, 5]);
  });

  it('accepts a subset of loose training batches', async () => {
    const files = cifar10Files();
    const dataset = await loadCifar([
      sourceFile('data_batch_1.bin', files['cifar-10-batches-bin/data_batch_1.bin']),
      sourceFile('test_batch.bin', files['cifar-10-batches-bin/test_batch.bin']),
    ]);
    expect(dataset.train.count).toBe(3);
  });
});

describe('loadCifar: CIFAR-100', () => {
  const files = () => ({
    'cifar-100-binary/train.bin': cifar100Records([1, 19, 0], [5, 99, 42], 1),
    'cifar-100-binary/test.bin': cifar100Records([3], [7], 2),
  });

  it('uses fine labels by default and coarse ones on request, from the archive', async () => {
    const archive = await gzip(tarArchive(files()));
    const fine = await loadCifar([sourceFile('cifar-100-binary.tar.gz', archive)]);
    expect(fine.kind).toBe('cifar100');
    expect(Array.from(fine.train.labels)).toEqual([5, 99, 42]);
    expect(fine.classNames).toHaveLength(100);
    const coarse = await loadCifar([sourceFile('cifar-100-binary.tar.gz', archive)], {
      cifar100Labels: 'coarse',
    });
    expect(Array.from(coarse.train.labels)).toEqual([1, 19, 0]);
    expect(coarse.classNames).toHaveLength(20);
    expect(coarse.train.images).toEqual(fine.train.images);
    expect(coarse.train.images[0]).toBe(1 % 256);
  });
});

describe('loadCifar: bad input gets a specific message', () => {
  const files = cifar10Files();
  const batch1 = files['cifar-10-batches-bin/data_batch_1.bin'];
  const test = files['cifar-10-batches-bin/test_batch.bin'];

  it.each([
    [
      'a wrong file',
      [sourceFile('holiday.png', new Uint8Array([137, 80, 78, 71]))],
      /holiday\.png: no CIFAR files found/,
    ],
    [
      'a truncated record',
      [
        sourceFile('data_batch_1.bin', batch1.slice(0, 3073 + 100)),
        sourceFile('test_batch.bin', test),
      ],
      /data_batch_1\.bin: ends inside a record \(100 of 3073 bytes\)/,
    ],
    [
      'a wrong record size (CIFAR-100 records under a CIFAR-10 name)',
      [
        { ...sourceFile('data_batch_1.bin', cifar100Records([1, 2], [3, 4], 0)), size: 6148 },
        sourceFile('test_batch.bin', test),
      ],
      /data_batch_1\.bin: 6148 bytes is not a whole number of 3073-byte CIFAR-10 records/,
    ],
    [
      'a label out of range',
      [
        sourceFile('data_batch_1.bin', cifar10Records([3, 12], 0)),
        sourceFile('test_batch.bin', test),
      ],
      /data_batch_1\.bin, record 1: label 12 is out of range 0-9/,
    ],
    [
      'no test batch',
      [sourceFile('data_batch_1.bin', batch1)],
      /no test batch given: add test_batch\.bin/,
    ],
  ])('%s', async (_, input, message) => {
    await expect(loadCifar(input)).rejects.toThrow(message);
  });

  it('a gzip error', async () => {
    const archive = await gzip(tarArchive(files));
    const middle = Math.floor(archive.length / 2);
    archive[middle] ^= 0xff;
    archive[middle + 1] ^= 0xff;
    await expect(loadCifar([sourceFile('cifar-10-binary.tar.gz', archive)])).rejects.toThrow(
      /cifar-10-binary\.tar\.gz: could not be decompressed/,
    );
    const whole = await gzip(tarArchive(files));
    const truncated = whole.slice(0, whole.length - 12);
    await expect(loadCifar([sourceFile('cifar-10-binary.tar.gz', truncated)])).rejects.toThrow(
      /cifar-10-binary\.tar\.gz: could not be decompressed/,
    );
  });

  it('an archive missing a batch', async () => {
    const partial = { ...files };
    delete partial['cifar-10-batches-bin/data_batch_3.bin'];
    await expect(loadCifar([sourceFile('c.tar', tarArchive(partial))])).rejects.toThrow(
      'the archive is missing data_batch_3.bin',
    );
  });

  it('an archive truncated inside an entry', async () => {
    const tar = tarArchive(files);
    await expect(loadCifar([sourceFile('c.tar', tar.slice(0, 3000))])).rejects.toThrow(
      /c\.tar: the archive ends inside cifar-10-batches-bin\/batches.meta.txt|ends inside/,
    );
  });
});

describe('sanity of what is loaded', () => {
  it('refuses a batch file holding more records than an official one, before reading it', async () => {
    // 2.1 GB of zeros named like a batch: refused from its size alone
    const huge = { ...sourceFile('data_batch_1.bin', new Uint8Array(0)), size: 698_000 * 3073 };
    await expect(loadCifar([huge])).rejects.toThrow(
      'data_batch_1.bin: holds 698,000 records, where an official CIFAR-10 data_batch_1.bin holds 10,000',
    );
  });

  it('says a web page is not an archive', async () => {
    const page = new TextEncoder().encode('<!DOCTYPE html><html><body>Sign in</body></html>');
    await expect(loadCifar([sourceFile('cifar-10-binary.tar.gz', page)])).rejects.toThrow(
      /is a web page \(HTML\), not a CIFAR archive/,
    );
  });

  it('warns about identical images and a single class', () => {
    const blank: ImageDataset = {
      kind: 'cifar10',
      name: 'CIFAR-10',
      classNames: ['airplane', 'automobile'],
      height: 2,
      width: 2,
      train: { images: new Uint8Array(3 * 12), labels: new Uint8Array(3), count: 3 },
      test: {
        images: Uint8Array.from({ length: 24 }, (_, i) => i),
        labels: Uint8Array.of(0, 1),
        count: 2,
      },
    };
    expect(datasetWarnings(blank)).toEqual([
      "all 3 training images are labelled 'airplane': a network cannot learn to tell classes apart from them",
      'all 3 training images are identical: the file holds no pictures',
    ]);
    expect(datasetWarnings({ ...blank, train: blank.test })).toEqual([]);
  });
});
