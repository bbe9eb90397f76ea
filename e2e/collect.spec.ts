import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { unzipSync } from 'fflate';
import { Studio } from './studio';

/** Holds a class's capture button for `ms`: frames are taken while it is down. */
async function hold(page: Page, row: number, ms: number) {
  const button = page.getByTestId('collect-hold').nth(row);
  await button.hover();
  await page.mouse.down();
  await page.waitForTimeout(ms);
  await page.mouse.up();
}

test('the camera collects two classes that train, download as a zip and load back', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const studio = new Studio(page);
  await studio.open('?preset=classroom&epochs=2&batchSize=8&backend=wasm');
  await page.getByTestId('collect-panel').locator('summary').click();
  await page.getByTestId('collect-class-name').first().fill('thumbs up');
  await page.getByTestId('collect-class-name').first().blur();
  await page.getByTestId('collect-camera').click();
  await expect(page.getByTestId('collect-camera')).toHaveText('Stop camera');
  await hold(page, 0, 1500);
  await hold(page, 1, 1500);
  const counts = page.getByTestId('collect-count');
  for (const row of [0, 1]) {
    const count = Number((await counts.nth(row).textContent())?.split(' ')[0]);
    expect(count).toBeGreaterThanOrEqual(5);
  }
  // one frame deleted from the first class
  const before = await counts.first().textContent();
  await page.getByTestId('collect-class').first().locator('.thumbnail').first().click();
  await expect(counts.first()).not.toHaveText(before!);

  // the frames are kept in this browser
  await page.reload();
  await page.getByTestId('collect-panel').locator('summary').click();
  await expect(page.getByTestId('collect-class-name').first()).toHaveValue('thumbs up');
  await expect(counts.first()).toHaveText(before!.replace(/\d+/, (n) => String(Number(n) - 1)));

  await page.getByTestId('collect-train').click();
  const summary = page.getByTestId('dataset-summary');
  await expect(summary).toContainText('camera (image folders)', { timeout: 60_000 });
  await expect(summary).toContainText('2 classes');
  await page.getByTestId('start').click();
  await studio.waitForSteps(2);
  await expect(page.getByTestId('error')).toHaveCount(0);

  const download = page.waitForEvent('download');
  await page.getByTestId('collect-download').click();
  const zipPath = await (await download).path();
  const names = Object.keys(unzipSync(readFileSync(zipPath)));
  expect(names.some((name) => name.startsWith('collected/thumbs up/'))).toBe(true);
  expect(names.some((name) => name.startsWith('collected/class 2/'))).toBe(true);

  // the short run ends by itself; a dataset changes only between runs
  await expect(page.getByTestId('pause')).toBeDisabled({ timeout: 60_000 });
  await page.getByTestId('dataset-select').selectOption('folder');
  await page.getByTestId('image-folder-archive').setInputFiles(zipPath);
  await expect(summary).toContainText('(image folders)', { timeout: 60_000 });
  await expect(summary).toContainText('2 classes');
});

test('a refused camera gets a clear message', async ({ page }) => {
  await page.addInitScript(() => {
    navigator.mediaDevices.getUserMedia = () =>
      Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
  });
  const studio = new Studio(page);
  await studio.open();
  await page.getByTestId('collect-panel').locator('summary').click();
  await page.getByTestId('collect-camera').click();
  await expect(page.getByTestId('collect-camera-problem')).toContainText(
    'The camera permission was refused',
  );
  await expect(page.getByTestId('collect-hold').first()).toBeDisabled();
});
