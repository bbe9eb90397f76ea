import { describe, expect, it } from 'vitest';
import { cifarParquet, decodePngInNode, fixtureImage } from '../testing/parquetFixtures';
import { parseParquetDataset, parseParquetSplit } from './parquetCifar';

describe('Hugging Face parquet CIFAR', () => {
  it('decodes PNG bytes and labels exactly (CIFAR-10 schema)', async () => {
    const train = cifarParquet({ label: [3, 9, 0] }, [1, 2, 3]);
    const test = cifarParquet({ label: [5] }, [4]);
    const progress: number[] = [];
    const dataset = await parseParquetDataset(
      { train, test, trainName: 'train.parquet', testName: 'test.parquet' },
      'cifar10',
      'fine',
      decodePngInNode,
      (done) => progress.push(done),
    );
    expect(dataset.train.count).toBe(3);
    expect(Array.from(dataset.train.labels)).toEqual([3, 9, 0]);
    expect(dataset.train.images.subarray(3072, 6144)).toEqual(fixtureImage(2));
    expect(dataset.test.images).toEqual(fixtureImage(4));
    expect(dataset.classNames[9]).toBe('truck');
    expect(progress).toEqual([3, 1]);
  });

  it('reads fine or coarse CIFAR-100 labels', async () => {
    const file = cifarParquet({ fine_label: [99, 4], coarse_label: [19, 0] }, [7, 8]);
    const fine = await parseParquetSplit(
      file,
      'train.parquet',
      'cifar100',
      'fine',
      decodePngInNode,
    );
    const coarse = await parseParquetSplit(
      file,
      'train.parquet',
      'cifar100',
      'coarse',
      decodePngInNode,
    );
    expect(Array.from(fine.labels)).toEqual([99, 4]);
    expect(Array.from(coarse.labels)).toEqual([19, 0]);
  });

  it('names unexpected columns and suggests the archive', async () => {
    const file = cifarParquet({ category: [1] }, [1]);
    await expect(
      parseParquetSplit(file, 'train.parquet', 'cifar10', 'fine', decodePngInNode),
    ).rejects.toThrow(
      /train\.parquet: unexpected columns \(img, category\); expected img \(PNG bytes\) and label .*drop the official archive/,
    );
    await expect(
      parseParquetSplit(
        new Uint8Array([1, 2, 3, 4]).buffer,
        'x.parquet',
        'cifar10',
        'fine',
        decodePngInNode,
      ),
    ).rejects.toThrow(/x\.parquet: not a parquet file/);
  });

  it('rejects out-of-range labels', async () => {
    const file = cifarParquet({ label: [12] }, [1]);
    await expect(
      parseParquetSplit(file, 't.parquet', 'cifar10', 'fine', decodePngInNode),
    ).rejects.toThrow(/t\.parquet, row 0: label 12 is out of range 0-9/);
  });
});
