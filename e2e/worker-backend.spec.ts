import { expect, test } from '@playwright/test';

test('TF.js starts in the training worker and picks wasm over software GPU adapters', async ({
  page,
}) => {
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  await page.addInitScript(() => {
    const violations: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = violations;
    document.addEventListener('securitypolicyviolation', (event) =>
      violations.push(`${event.violatedDirective}: ${event.blockedURI}`),
    );
  });
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Low-rank CNN studio' })).toBeVisible();
  // the built page carries a Content-Security-Policy, and the studio runs under it
  await expect(page.locator('meta[http-equiv="Content-Security-Policy"]')).toHaveAttribute(
    'content',
    /script-src 'self' 'wasm-unsafe-eval'/,
  );
  const backend = page.getByTestId('backend');
  await expect(backend).toHaveText(/^(webgpu|webgl|wasm|cpu)$/, { timeout: 60_000 });
  // --enable-unsafe-webgpu gives a SwiftShader adapter here (WebGL runs on SwiftShader too):
  // both are timed against wasm on a probe step and lose, with the timings as the reason.
  await expect(backend).toHaveText('wasm');
  await expect(page.getByTestId('backend-detail')).toContainText('SIMD');
  const skipped = page.getByRole('list', { name: 'Skipped backends' });
  await expect(skipped).toContainText(/webgpu: software adapter .*slower here: \d+ ms/);
  await expect(skipped).toContainText(/webgl: software adapter .*slower here: \d+ ms/);
  await expect(page.getByTestId('error')).toHaveCount(0);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  expect(consoleErrors).toEqual([]);
  expect(
    await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations),
  ).toEqual([]);
});

test('a forced backend is honoured', async ({ page }) => {
  await page.goto('/?backend=webgl');
  await expect(page.getByTestId('backend')).toHaveText('webgl', { timeout: 60_000 });
});

test('a forced software WebGPU adapter is kept although wasm is faster', async ({ page }) => {
  await page.goto('/?backend=webgpu');
  await expect(page.getByTestId('backend')).toHaveText('webgpu', { timeout: 60_000 });
  await expect(page.getByTestId('backend-detail')).toContainText('software: google swiftshader');
});
