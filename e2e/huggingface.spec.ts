import { expect, test } from '@playwright/test';
import { fingerprint } from '../src/data/dataset';
import { cifarParquet, fixtureImage } from '../src/testing/parquetFixtures';
import { Studio } from './studio';

test('Get CIFAR-10 downloads parquet files, decodes them in the worker and caches them', async ({
  page,
  context,
}) => {
  const files: Record<string, Buffer> = {
    'train.parquet': Buffer.from(cifarParquet({ label: [1, 2, 2, 9] }, [1, 2, 3, 4])),
    'test.parquet': Buffer.from(cifarParquet({ label: [0, 5] }, [5, 6])),
  };
  const requests: string[] = [];
  await context.route('**/hub/*.parquet', async (route) => {
    const name = new URL(route.request().url()).pathname.split('/').pop()!;
    requests.push(name);
    await route.fulfill({
      body: files[name],
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(files[name].length),
      },
    });
  });
  const studio = new Studio(page);
  const getCifar = async () => {
    await page.getByTestId('dataset-select').selectOption('cifar10');
    await page.getByText('Parquet URLs').click();
    await page.getByTestId('hf-train-url').fill('hub/train.parquet');
    await page.getByTestId('hf-test-url').fill('hub/test.parquet');
    await page.getByTestId('get-huggingface').click();
  };
  await studio.open();
  await getCifar();
  const summary = page.getByTestId('dataset-summary');
  await expect(summary).toContainText('4 training and 2 test images, 32x32, 10 classes');
  await expect(summary).not.toContainText('from cache');
  await expect(summary).toContainText('automobile (1 train)');
  await expect(summary).toContainText('bird (2 train)');
  // the pixels and labels arrive exactly: same fingerprint as the images that were encoded
  const expected = (seeds: number[], labels: number[]) =>
    fingerprint({
      images: Uint8Array.from(seeds.flatMap((seed) => Array.from(fixtureImage(seed)))),
      labels: Uint8Array.from(labels),
      count: seeds.length,
    });
  await expect(page.getByTestId('dataset-fingerprint')).toHaveText(
    `fingerprint train ${expected([1, 2, 3, 4], [1, 2, 2, 9])}, test ${expected([5, 6], [0, 5])}`,
  );
  await expect(page.getByTestId('dataset-cache')).toContainText('CIFAR-10');
  expect(requests.sort()).toEqual(['test.parquet', 'train.parquet']);

  // a reload loads the CIFAR-10 chosen last time from the cache, and Get uses the cache too
  await studio.open('', 'CIFAR-10');
  await expect(summary).toContainText('from cache');
  await expect(page.getByTestId('dataset-select')).toHaveValue('cifar10');
  await getCifar();
  await expect(summary).toContainText('from cache');
  expect(requests).toHaveLength(2);
});

test('a parquet file with unexpected columns explains itself and keeps the dataset', async ({
  page,
  context,
}) => {
  const wrong = Buffer.from(cifarParquet({ category: [1] }, [1]));
  await context.route('**/hub/*.parquet', (route) =>
    route.fulfill({ body: wrong, headers: { 'content-length': String(wrong.length) } }),
  );
  const studio = new Studio(page);
  await studio.open();
  await page.getByTestId('dataset-select').selectOption('cifar10');
  await page.getByText('Parquet URLs').click();
  await page.getByTestId('hf-train-url').fill('hub/train.parquet');
  await page.getByTestId('hf-test-url').fill('hub/test.parquet');
  await page.getByTestId('get-huggingface').click();
  await expect(page.getByTestId('error')).toContainText('unexpected columns (img, category)');
  await expect(page.getByTestId('error')).toContainText('drop the official archive');
  await expect(page.getByTestId('dataset-summary')).toContainText('Built-in shapes');
});
