import { expect, test } from '@playwright/test';

test('TF.js starts in the training worker on WebGPU and reports its backend', async ({ page }) => {
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Low-rank CNN studio' })).toBeVisible();
  const backend = page.getByTestId('backend');
  await expect(backend).toHaveText(/^(webgpu|webgl|cpu)$/, { timeout: 60_000 });
  // The flag --enable-unsafe-webgpu gives a (software) adapter here, so WebGPU must win.
  await expect(backend).toHaveText('webgpu');
  await expect(page.getByTestId('error')).toHaveCount(0);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  expect(consoleErrors).toEqual([]);
});

test('a forced backend is honoured', async ({ page }) => {
  await page.goto('/?backend=webgl');
  await expect(page.getByTestId('backend')).toHaveText('webgl', { timeout: 60_000 });
});

test('a backend that cannot start is skipped with its reason', async ({ page }) => {
  await page.goto('/?backend=wasm');
  await expect(page.getByTestId('backend')).toHaveText('webgpu', { timeout: 60_000 });
  await expect(page.getByRole('list', { name: 'Skipped backends' })).toContainText(
    'wasm: the wasm backend is not registered',
  );
});
