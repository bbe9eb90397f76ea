import { expect, test } from '@playwright/test';
import { Studio } from './studio';

test('classroom demo: charts fill, sliders reach the running job, pruning shrinks the model', async ({
  page,
}) => {
  test.setTimeout(360_000);
  const studio = new Studio(page);
  // WebGPU (SwiftShader here) keeps the run going while the test works the controls; on wasm
  // the whole demo finishes in about 16 s
  await studio.open('?backend=webgpu');
  await page.getByTestId('preset-select').selectOption('classroom');
  await expect(page).toHaveURL(/preset=classroom/);
  // the dataset card says what the run trains on, not only what is loaded
  await expect(page.getByTestId('dataset-use')).toHaveText(
    'This run: 2,000 training and 500 test images at 16x16 px.',
  );
  await page.getByTestId('start').click();
  await expect(page.getByTestId('backend')).toHaveText('webgpu');
  await studio.waitForSteps(3);

  // every chart draws
  for (const chart of ['loss-chart', 'accuracy-chart', 'spectrum-chart', 'rank-chart']) {
    await expect.poll(() => studio.marks(chart), { message: chart }).toBeGreaterThan(0);
  }
  await page.screenshot({ path: test.info().outputPath('running.png'), fullPage: true });

  // a live slider reaches the worker: the value is acknowledged (the pending dot goes away)
  await studio.sliderToMax('slider-lambda-rank');
  await expect(page.getByTestId('slider-lambda-rank')).toHaveAttribute('aria-valuetext', '2');
  await expect(page.getByTestId('slider-lambda-rank-pending')).toBeHidden();

  // the demo ends at a target size: the size chart draws it, and the slider moves it live
  await expect(page.getByTestId('toggle-target')).toBeChecked();
  await expect(page.getByTestId('slider-target')).toHaveAttribute('aria-valuetext', '50');
  await expect(page.getByTestId('compression-chart')).toContainText('target 50%');
  await page.getByTestId('slider-target').focus();
  await page.getByTestId('slider-target').press('Home');
  await expect(page.getByTestId('slider-target')).toHaveAttribute('aria-valuetext', '10');
  await expect(page.getByTestId('slider-target-pending')).toBeHidden();
  await expect(page.getByTestId('compression-chart')).toContainText('target 10%');
  await expect(page).toHaveURL(/targetParamsKept=10/);

  // pause stops the counter, resume continues it
  await page.getByTestId('pause').click();
  await expect(studio.runState()).toHaveText('paused');
  const paused = await studio.stepCount();
  await page.waitForTimeout(3000);
  expect(await studio.stepCount()).toBe(paused);

  // without a target the threshold rule decides: its cut line moves with the slider, and
  // pruning now drops ranks and params
  await page.getByTestId('toggle-target').uncheck();
  await expect(page).not.toHaveURL(/targetParamsKept=10/);
  await page.getByTestId('prune-rule-select').selectOption('relative');
  const cutLine = page.getByTestId('spectrum-chart').locator('.recharts-reference-line line');
  const cutBefore = await cutLine.getAttribute('y1');
  await studio.sliderToMax('slider-tau');
  await expect(page.getByTestId('slider-tau')).toHaveAttribute('aria-valuetext', '0.95');
  await expect.poll(() => cutLine.getAttribute('y1')).not.toBe(cutBefore);
  await expect(page.getByTestId('slider-tau-pending')).toBeHidden();
  await page.getByTestId('prune-now').click();
  await expect(page.getByTestId('compression-summary')).not.toContainText('params kept100.0%');
  const kept = await page.getByTestId('compression-summary').textContent();
  expect(Number(/params kept([\d.]+)%/.exec(kept ?? '')![1])).toBeLessThan(100);
  await expect(page.getByLabel('Layer', { exact: true })).toContainText(/rank [1-7]\/8/);

  // a corrupt file: a clear message, and the run is kept
  await page.getByTestId('dataset-select').selectOption('cifar10');
  await page.getByTestId('dataset-file').setInputFiles({
    name: 'cifar-10-binary.tar.gz',
    mimeType: 'application/gzip',
    buffer: Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5]),
  });
  await expect(page.getByTestId('error')).toContainText('cifar-10-binary.tar.gz');
  await expect(studio.runState()).toHaveText('paused');
  expect(await studio.stepCount()).toBe(paused);

  await page.getByTestId('resume').click();
  await studio.waitForSteps(paused + 1);
  await page.screenshot({ path: test.info().outputPath('after-pruning.png'), fullPage: true });

  // reset clears the job and its charts
  await page.getByTestId('reset').click();
  await expect(studio.runState()).toHaveText('idle');
  await expect(page.getByTestId('step-counter')).toHaveText('0');
  await expect(page.getByTestId('rank-chart')).toContainText('Ranks appear once');
});

test('works at phone width and in presentation mode', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  const studio = new Studio(page);
  await studio.open('?preset=classroom');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.getByTestId('presentation-toggle').click();
  await expect(page.locator('main.presentation')).toHaveCount(1);
  await page.screenshot({ path: test.info().outputPath('phone-presentation.png'), fullPage: true });
});
