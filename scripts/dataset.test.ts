import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cifar100Records, cifar10Records } from '../src/testing/cifarFixtures';
import { describeInput } from './dataset';

describe('npm run dataset -- info', () => {
  it('describes a single CIFAR-10 training or test batch on its own', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'dataset-info-'));
    const train = join(folder, 'data_batch_1.bin');
    const test = join(folder, 'test_batch.bin');
    writeFileSync(train, cifar10Records([0, 1, 1, 9], 3));
    writeFileSync(test, cifar10Records([2, 2], 4));
    const trainInfo = await describeInput(train, false);
    expect(trainInfo.kind).toBe('cifar10');
    expect(trainInfo.train.count).toBe(4);
    expect(trainInfo.train.histogram.slice(0, 2)).toEqual([1, 2]);
    expect(trainInfo.test.count).toBe(0);
    expect(trainInfo).toMatchObject({ note: 'no test images in this input' });
    const testInfo = await describeInput(test, false);
    expect(testInfo.test.count).toBe(2);
    expect(testInfo).toMatchObject({ note: 'no train images in this input' });
  });

  it('describes a single CIFAR-100 file with coarse labels', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'dataset-info-'));
    const path = join(folder, 'test.bin');
    writeFileSync(path, cifar100Records([3, 3, 19], [7, 8, 99], 5));
    const info = await describeInput(path, true);
    expect(info.kind).toBe('cifar100');
    expect(info.classNames).toHaveLength(20);
    expect(info.test.histogram[3]).toBe(2);
  });
});
