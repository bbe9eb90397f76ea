import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { Studio } from './studio';

// A run log written by the PyTorch twin (python/, `python3 -m lowrank_studio`) on a tiny CIFAR-10
// archive; python/tests/test_run_log_fixture.py checks the twin still writes it this way.
const TWIN_LOG = 'e2e/fixtures/twin-run-log.jsonl';

interface Line {
  type: string;
  step?: number;
  summary?: { step: number; testAccuracy: number; size: { paramsKept: number } };
  size?: { paramsKept: number };
  testAccuracy?: number;
  scope?: string;
}

const percent = (value: number) => `${(100 * value).toFixed(1)}%`;

/** What the studio should show at the end of the log: read from the log itself. */
function expectedEnd() {
  const lines = readFileSync(TWIN_LOG, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);
  const events = lines.slice(1);
  const lastStep = Math.max(...events.map((l) => l.step ?? l.summary?.step ?? 0));
  const tests = events.filter(
    (l) => l.type === 'epoch' || (l.type === 'evaluation' && l.scope === 'full'),
  );
  const lastTest = tests.at(-1)!;
  const sizes = events.filter((l) => l.type === 'epoch' || l.type === 'pruned');
  const lastSize = sizes.at(-1)!;
  return {
    header: lines[0] as unknown as { producer: string; world: { processes: number } },
    lastStep,
    accuracy: percent(lastTest.summary?.testAccuracy ?? lastTest.testAccuracy!),
    paramsKept: percent((lastSize.summary?.size ?? lastSize.size)!.paramsKept),
    firstPruneStep: events.find((l) => l.type === 'pruned')!.step!,
  };
}

test("a PyTorch twin's run log opens in the charts, goes to any step and replays", async ({
  page,
}) => {
  test.setTimeout(120_000);
  const end = expectedEnd();
  const studio = new Studio(page);
  await studio.open('?preset=classroom');
  await page.getByTestId('run-log-file').setInputFiles(TWIN_LOG);
  const view = page.getByTestId('run-log-view');
  await expect(view).toContainText('PyTorch');
  await expect(view).toContainText(`${end.header.world.processes} process`);
  await expect(page.getByTestId('run-log-step')).toHaveText(String(end.lastStep));
  await expect(page.getByTestId('test-accuracy')).toHaveText(end.accuracy);
  await expect(page.getByTestId('params-kept')).toContainText(end.paramsKept);
  await expect(page.getByTestId('loss-chart-summary')).toHaveAttribute(
    'aria-label',
    /cross-entropy/i,
  );
  await expect(view).toContainText('resnet8 lowrank ×0.5, 16 px, 4 epochs, batch 32, target 50%');
  await expect(page.getByTestId('epoch-counter')).toHaveText('4');
  // the charts redraw one after another, 70 ms apart
  for (const chart of [
    'loss-chart',
    'accuracy-chart',
    'spectrum-chart',
    'rank-chart',
    'compression-chart',
  ])
    await expect.poll(() => studio.marks(chart), { message: chart }).toBeGreaterThan(0);

  // before the first prune event nothing is cut yet
  const scrub = page.getByTestId('run-log-scrub');
  await scrub.fill(String(end.firstPruneStep - 1));
  await expect(page.getByTestId('run-log-step')).toHaveText(String(end.firstPruneStep - 1));
  await expect(page.getByTestId('params-kept')).not.toContainText(end.paramsKept);

  await page.getByTestId('run-log-replay').click();
  await expect(page.getByTestId('run-log-replay')).toHaveText('Pause replay');
  await expect
    .poll(async () => Number(await page.getByTestId('run-log-step').textContent()), {
      timeout: 30_000,
    })
    .toBe(end.lastStep);
  await expect(page.getByTestId('run-log-replay')).toHaveText('Replay');
  await expect(page.getByTestId('params-kept')).toContainText(end.paramsKept);

  await page.getByRole('button', { name: 'Close log' }).click();
  await expect(view).toHaveCount(0);
  await expect(page.getByTestId('params-kept')).toHaveText('100.0%');
  await expect(page.getByTestId('error')).toHaveCount(0);
});

test('a file that is not a run log is refused with the line and the reason, and nothing changes', async ({
  page,
}) => {
  const studio = new Studio(page);
  await studio.open('?preset=classroom');
  await page.getByTestId('run-log-file').setInputFiles({
    name: 'notes.jsonl',
    mimeType: 'application/jsonl',
    buffer: Buffer.from('{"type":"header","format":"lowrank-studio-run-log","version":1}\n'),
  });
  await expect(page.getByTestId('error')).toContainText(
    'notes.jsonl: line 1: the header has no config',
  );
  await expect(page.getByTestId('run-log-view')).toHaveCount(0);
  await page.getByTestId('start').click();
  await studio.waitForSteps(1);
});

test('Export recipe saves the settings and the torchrun command shown beside it', async ({
  page,
}) => {
  const studio = new Studio(page);
  await studio.open('?preset=classroom&targetParamsKept=30');
  await page.getByText('Train it in PyTorch').click();
  const command = await page.getByTestId('recipe-command').textContent();
  expect(command).toContain('torchrun --nproc_per_node=1 -m lowrank_studio --recipe recipe.json');
  const download = page.waitForEvent('download');
  await page.getByTestId('export-recipe').click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('recipe.json');
  const recipe = JSON.parse(readFileSync(await file.path(), 'utf8'));
  expect(recipe).toMatchObject({
    format: 'lowrank-studio-recipe',
    version: 1,
    config: { architecture: 'resnet8', targetParamsKept: 30, epochs: 12 },
    dataset: { kind: 'builtin', trainLimit: 2000, testLimit: 500 },
    command,
  });
});
