import { expect, test, type Page } from '@playwright/test';
import { cifar10Files, gzip, tarArchive } from '../src/testing/cifarFixtures';

async function tinyArchive(): Promise<Buffer> {
  return Buffer.from(await gzip(tarArchive(cifar10Files())));
}

async function openStudio(page: Page) {
  await page.goto('/');
  await expect(page.getByTestId('dataset-summary')).toContainText('Built-in shapes 32x32', {
    timeout: 60_000,
  });
}

test('the built-in dataset loads by default, offline', async ({ page }) => {
  await openStudio(page);
  await expect(page.getByTestId('dataset-summary')).toContainText('10,000 training and 2,000 test');
  await expect(page.getByTestId('dataset-summary')).toContainText('10 classes');
});

test('a CIFAR-10 archive chosen with the file picker is parsed in the worker', async ({ page }) => {
  await openStudio(page);
  await page.getByTestId('dataset-select').selectOption('cifar10');
  await page.getByTestId('dataset-file').setInputFiles({
    name: 'cifar-10-binary.tar.gz',
    mimeType: 'application/gzip',
    buffer: await tinyArchive(),
  });
  const summary = page.getByTestId('dataset-summary');
  await expect(summary).toContainText('CIFAR-10');
  await expect(summary).toContainText('15 training and 4 test images, 32x32, 10 classes');
  await expect(page.getByTestId('error')).toHaveCount(0);
});

test('a wrong file gives a clear message and keeps the loaded dataset', async ({ page }) => {
  await openStudio(page);
  await page.getByTestId('dataset-select').selectOption('cifar10');
  await page.getByTestId('dataset-file').setInputFiles({
    name: 'data_batch_1.bin',
    mimeType: 'application/octet-stream',
    buffer: Buffer.alloc(3073 + 10),
  });
  await expect(page.getByTestId('error')).toContainText(
    'data_batch_1.bin: 3083 bytes is not a whole number of 3073-byte CIFAR-10 records',
  );
  await expect(page.getByTestId('dataset-summary')).toContainText('Built-in shapes 32x32');
});

test('a URL download shows progress, and the second load comes from the cache', async ({
  page,
  context,
}) => {
  const archive = await tinyArchive();
  let downloads = 0;
  await context.route('**/fixtures/cifar-10-binary.tar.gz', async (route) => {
    downloads++;
    await route.fulfill({
      body: archive,
      headers: {
        'content-type': 'application/gzip',
        'content-length': String(archive.length),
        'cross-origin-resource-policy': 'same-origin',
      },
    });
  });
  await openStudio(page);
  // a fresh browser context: the cache starts empty
  await expect(page.getByTestId('dataset-cache')).toHaveCount(0);
  const load = async () => {
    await page.getByTestId('dataset-select').selectOption('cifar10');
    await page.getByTestId('dataset-url').fill('fixtures/cifar-10-binary.tar.gz');
    await page.getByTestId('dataset-url-load').click();
  };
  await load();
  await expect(page.getByTestId('dataset-summary')).toContainText('15 training and 4 test');
  await expect(page.getByTestId('dataset-summary')).not.toContainText('from cache');
  expect(downloads).toBe(1);
  await expect(page.getByTestId('dataset-cache')).toContainText('CIFAR-10');

  // a reload selects the cached CIFAR-10 again, without downloading
  await page.reload();
  await expect(page.getByTestId('dataset-summary')).toContainText('from cache', {
    timeout: 60_000,
  });
  await expect(page.getByTestId('dataset-select')).toHaveValue('cifar10');
  await load();
  await expect(page.getByTestId('dataset-summary')).toContainText('from cache');
  expect(downloads).toBe(1);

  await page.getByRole('button', { name: 'Clear cache' }).click();
  await expect(page.getByTestId('dataset-cache')).toHaveCount(0);
});

test('an unreachable URL suggests dropping the archive instead', async ({ page }) => {
  await openStudio(page);
  await page.getByTestId('dataset-select').selectOption('cifar10');
  await page.getByTestId('dataset-url').fill('http://127.0.0.1:9/cifar-10-binary.tar.gz');
  await page.getByTestId('dataset-url-load').click();
  await expect(page.getByTestId('error')).toContainText('could not download');
  await expect(page.getByTestId('error')).toContainText('drop it here instead');
  await expect(page.getByTestId('dataset-summary')).toContainText('Built-in shapes 32x32');
});
