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

test('wasm on two threads (shared heap, SIMD kernels and their helper threads) trains the same numbers as on one', async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const lossAfterThreeSteps = async (threads: number) => {
    const page = await browser.newPage();
    // one epoch of three steps, then the job finishes; 32x32 images at batch 64, so that the
    // kernels split their work over the threads (convs by lines, the filter gradient by images,
    // batch norm and the stride-2 input gradient's interleave by pixels)
    await page.goto(
      `/?preset=micro&epochs=1&trainLimit=192&testLimit=32&batchSize=64&inputSize=32&backend=wasm&threads=${threads}`,
    );
    await expect(page.getByTestId('backend-detail')).toContainText(
      threads === 1 ? '1 thread' : `${threads} threads`,
      { timeout: 60_000 },
    );
    // the project's own kernels got their helper threads too (else the badge says why not)
    await expect(page.getByTestId('backend-detail')).not.toContainText('own kernels');
    await expect(page.getByTestId('dataset-summary')).toContainText('Built-in shapes', {
      timeout: 60_000,
    });
    await page.getByTestId('start').click();
    await expect(page.getByTestId('run-state')).toHaveText('finished', { timeout: 60_000 });
    const summary = page.getByTestId('loss-chart-summary');
    await expect(summary).toHaveAttribute('aria-label', /Loss at step 3:/);
    const label = (await summary.getAttribute('aria-label'))!;
    await page.close();
    return Number(/cross-entropy ([\d.]+)/.exec(label)![1]);
  };
  const one = await lossAfterThreeSteps(1);
  const two = await lossAfterThreeSteps(2);
  console.log(`cross-entropy after three steps: ${one} on one thread, ${two} on two`);
  expect(one).toBeGreaterThan(0);
  expect(two).toBeCloseTo(one, 3);
});
