import { expect, test, type Page } from '@playwright/test';
import { unzipSync } from 'fflate';
import { readFileSync, writeFileSync } from 'node:fs';
import { Studio } from './studio';

// Three short runs with different settings, on wasm (each trains in a second or two).
const MICRO =
  '?preset=micro&widthMultiplier=0.25&epochs=2&batchSize=16&trainLimit=64&testLimit=32&maxRank=3&backend=wasm';
const TWIN_LOG = 'e2e/fixtures/twin-run-log.jsonl';

const rows = (page: Page) => page.getByTestId('runs-row');

async function train(studio: Studio, query: string, runs: number) {
  await studio.open(query);
  await expect(rows(studio.page)).toHaveCount(runs - 1);
  await studio.page.getByTestId('start').click();
  await expect(studio.runState()).toHaveText('finished', { timeout: 120_000 });
  await expect(rows(studio.page)).toHaveCount(runs);
}

/** The test accuracies down the table, as numbers (a run without one reads NaN). */
async function accuracies(page: Page): Promise<number[]> {
  const cells = await page
    .locator('[data-testid="runs-row"] td[data-column="test"]')
    .allInnerTexts();
  return cells.map((text) => parseFloat(text));
}

test('runs are kept, sorted, overlaid, survive a reload, export, delete and import back', async ({
  page,
}, testInfo) => {
  test.setTimeout(300_000);
  const studio = new Studio(page);
  await train(studio, `${MICRO}&learningRate=0.05`, 1);
  await train(studio, `${MICRO}&learningRate=0.2&lambdaOrth=0.5`, 2);
  await train(studio, `${MICRO}&learningRate=0.01`, 3);

  // the knobs that differ are columns of their own; sorted by accuracy, best first
  const table = page.getByTestId('runs-table');
  await expect(table.locator('th')).toContainText(['learningRate', 'lambdaOrth']);
  await page.getByTestId('runs-sort-test').click();
  const sorted = await accuracies(page);
  expect(sorted).toEqual([...sorted].sort((a, b) => b - a));

  // two runs overlaid: a line each in every chart over steps, and a point each in the scatter
  const selects = page.getByTestId('runs-select');
  await selects.nth(0).check();
  await selects.nth(1).check();
  for (const chart of ['overlay-loss', 'overlay-accuracy', 'overlay-size']) {
    await expect(page.getByTestId(chart).locator('.live-line[d^="M"]')).toHaveCount(2);
  }
  await expect(page.getByTestId('runs-scatter-summary')).toHaveAttribute(
    'aria-label',
    /accuracy at .* accuracy at /,
  );
  await page.getByTestId('runs-alignment').selectOption('fraction');
  await expect(page.getByTestId('overlay-loss-summary')).toHaveAttribute(
    'aria-label',
    /share of run/,
  );

  // a name and a note, then a reload: everything stays
  const firstName = page.getByTestId('runs-name').first();
  await firstName.fill('best so far');
  await firstName.press('Enter');
  await expect(page.locator('[data-run-name="best so far"]')).toHaveCount(1);
  await studio.open(MICRO);
  await expect(rows(page)).toHaveCount(3);
  await expect(page.locator('[data-run-name="best so far"]')).toHaveCount(1);

  // export it as a run file, delete it, import it back
  const row = page.locator('[data-run-name="best so far"]');
  const download = page.waitForEvent('download');
  await row.getByTestId('runs-export-file').click();
  const file = testInfo.outputPath('best.lrrun');
  await (await download).saveAs(file);
  await row.getByTestId('runs-delete').click();
  await expect(rows(page)).toHaveCount(2);
  await page.getByTestId('runs-import').setInputFiles(file);
  await expect(rows(page)).toHaveCount(3);
  await expect(page.locator('[data-run-name="best so far"]')).toHaveCount(1);

  // the PyTorch twin's run log joins the table beside the studio's runs
  await page.getByTestId('runs-import').setInputFiles(TWIN_LOG);
  await expect(rows(page)).toHaveCount(4);
  await expect(
    page.locator('[data-run-name="twin-run-log"] td[data-column="device"]'),
  ).toContainText('PyTorch');

  // the same file again is one run, not two
  await page.getByTestId('runs-import').setInputFiles(TWIN_LOG);
  await expect(page.getByTestId('runs-message')).toContainText('already in the table');
  await expect(rows(page)).toHaveCount(4);

  // a cut run file is refused with its reason, and the table keeps every run
  const cut = testInfo.outputPath('cut.lrrun');
  const bytes = readFileSync(file);
  writeFileSync(cut, bytes.subarray(0, bytes.length - 30));
  await page.getByTestId('runs-import').setInputFiles(cut);
  await expect(page.getByTestId('runs-message')).toContainText('cut short or damaged');
  await expect(rows(page)).toHaveCount(4);

  // the selected runs as TensorBoard event files, a folder a run
  await page.locator('[data-run-name="twin-run-log"]').getByTestId('runs-select').check();
  const events = page.waitForEvent('download');
  await page.getByTestId('runs-export-tensorboard').click();
  const zipFile = await (await events).path();
  const zip = unzipSync(readFileSync(zipFile));
  const names = Object.keys(zip);
  expect(names.filter((n) => n.includes('events.out.tfevents')).length).toBeGreaterThanOrEqual(1);
  expect(names.every((n) => n.startsWith('twin-run-log-'))).toBe(true);
  expect(zip[names[0]].byteLength).toBeGreaterThan(100);

  // a kept run opens in the studio's own charts
  await page
    .locator('[data-run-name="twin-run-log"]')
    .getByRole('button', { name: 'Open' })
    .click();
  await expect(page.getByTestId('run-log-view')).toContainText('PyTorch');

  // the TensorBoard zip reads back: a run a folder, the twin's steps and size as they were
  // (the selection is the twin's run alone: a reload clears the selection)
  await page.getByTestId('runs-import').setInputFiles(zipFile);
  await expect(rows(page)).toHaveCount(5);
  const twins = page.locator('[data-run-name="twin-run-log"]');
  await expect(twins).toHaveCount(2);
  for (const column of ['steps', 'params', 'test'])
    await expect(twins.nth(1).locator(`td[data-column="${column}"]`)).toHaveText(
      await twins.nth(0).locator(`td[data-column="${column}"]`).innerText(),
    );
});
