// `npm run runs:responsiveness -- [--runs N] [--steps S] [--seconds T]`: the run library under
// load, on the production build in headless Chromium. Writes N run logs of S steps each (a
// 50,000-step run's size), imports them into the runs table, selects them all, and measures: the
// import, the overlays' first drawing, switching the alignment and sorting, and the long tasks
// (over 50 ms) while a micro run trains for T seconds with and without the N runs overlaid.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { helpRequested, unknownOption } from './lib/cli';
import { previewBuild } from './lib/previewSite';
import {
  recordLongTasks,
  systemChromium,
  takeLongTasks,
  waitForStartEnabled,
} from './lib/studioPage';
import { DEFAULT_CONFIG } from '../src/config';
import { encodeRunLog } from '../src/runLog';
import { toSeries } from '../src/train/stepSeries';
import type { HistoryEvent, StepRecord } from '../src/protocol';

const USAGE = `usage: npm run runs:responsiveness -- [--runs N] [--steps S] [--seconds T]

  --runs N     runs in the library, all overlaid (default 10)
  --steps S    steps a run (default 50000)
  --seconds T  training time recorded with and without the overlays (default 60)`;

const TRAINING = '?preset=micro&widthMultiplier=0.25&epochs=1000&backend=wasm';
const STEPS_PER_EPOCH = 500;

function parseArgs(args: string[]) {
  const options = { runs: 10, steps: 50_000, seconds: 60 };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = Number(args[++i]);
    if (!(value > 0)) throw new Error(`${flag} needs a positive number, got ${args[i]}`);
    if (flag === '--runs') options.runs = Math.round(value);
    else if (flag === '--steps') options.steps = Math.round(value);
    else if (flag === '--seconds') options.seconds = value;
    else throw unknownOption(flag, ['--runs', '--steps', '--seconds', '--help']);
  }
  return options;
}

/** A plausible run log: a falling loss with noise, an epoch every 500 steps, shrinking. */
function syntheticRunLog(index: number, steps: number): string {
  const records: StepRecord[] = [];
  const events: HistoryEvent[] = [];
  let noise = 0;
  for (let step = 1; step <= steps; step++) {
    noise = 0.9 * noise + 0.1 * Math.sin(step * 12.9898 + index * 78.233);
    const crossEntropy = 2.3 * Math.exp(-step / (steps / 4)) + 0.3 + 0.05 * index + 0.2 * noise;
    records.push({
      step,
      epoch: Math.floor(step / STEPS_PER_EPOCH),
      crossEntropy,
      orth: 1e-3,
      rank: 0,
      total: crossEntropy + 1e-3,
      trainAccuracy: Math.min(1, 1 - crossEntropy / 2.6),
      learningRate: 0.05,
      lambdaRank: 0,
      stepMs: 20,
    });
    if (step % STEPS_PER_EPOCH === 0) {
      const kept = Math.max(0.3 + 0.04 * index, 1 - step / steps);
      const size = {
        paramsKept: kept,
        factorisedParamsKept: kept * 1.1,
        macsKept: kept,
        rankKept: kept * 0.9,
        compressionRatio: 1 / kept,
      };
      const costs = { dense: 1, factorised: 1, deployable: kept };
      events.push({
        type: 'epoch',
        run: 'main',
        summary: {
          epoch: step / STEPS_PER_EPOCH,
          step,
          testAccuracy: 0.9 - crossEntropy / 3,
          testLoss: crossEntropy,
          testCount: 10_000,
          size,
          params: costs,
          macs: costs,
        },
      });
    }
  }
  const config = { ...DEFAULT_CONFIG, learningRate: 0.01 * (index + 1) };
  const costs = { dense: 1, factorised: 1, deployable: 1 };
  return encodeRunLog(
    {
      producer: 'synthetic',
      config,
      stepsPerEpoch: STEPS_PER_EPOCH,
      dataset: { name: 'synthetic', trainCount: 64_000 },
      layers: [],
      params: costs,
      macs: costs,
    },
    { steps: { main: toSeries(records) }, events, spectra: null },
  );
}

/** Rows in the runs table, and lines drawn in its loss overlay (the page's CSP allows no eval). */
const rowsAre = (n: number) => document.querySelectorAll('[data-testid=runs-row]').length === n;
const linesAre = (n: number) =>
  document.querySelectorAll('[data-testid=overlay-loss] .live-line[d^="M"]').length === n;

/** ms from now until `ready(count)` holds in the page. */
async function timed(
  page: Page,
  act: () => Promise<void>,
  ready: (count: number) => boolean,
  count: number,
): Promise<number> {
  const started = Date.now();
  await act();
  await page.waitForFunction(ready, count, { timeout: 600_000, polling: 50 });
  return Date.now() - started;
}

const summary = (tasks: number[]) =>
  `${tasks.length} tasks, ${Math.round(tasks.reduce((a, b) => a + b, 0))} ms, longest ${Math.round(Math.max(0, ...tasks))} ms`;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (helpRequested(args)) {
    console.log(USAGE);
    return;
  }
  const options = parseArgs(args);
  const folder = mkdtempSync(join(tmpdir(), 'runs-'));
  const files: string[] = [];
  for (let i = 0; i < options.runs; i++) {
    const file = join(folder, `synthetic-${i + 1}.jsonl`);
    writeFileSync(file, syntheticRunLog(i, options.steps));
    files.push(file);
  }
  const site = await previewBuild(join(folder, 'dist'));
  const browser = await chromium.launch({
    executablePath: systemChromium(),
    args: ['--no-sandbox'],
  });
  const rows: [string, string][] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await recordLongTasks(page);
    await page.goto(`${site.base}${TRAINING}`);
    await waitForStartEnabled(page);
    const importMs = await timed(
      page,
      () => page.getByTestId('runs-import').setInputFiles(files),
      rowsAre,
      options.runs,
    );
    rows.push([
      `import ${options.runs} runs of ${options.steps} steps`,
      `${importMs} ms (${summary(await takeLongTasks(page))})`,
    ]);
    const selectMs = await timed(
      page,
      async () => {
        for (const box of await page.getByTestId('runs-select').all()) await box.check();
      },
      linesAre,
      options.runs,
    );
    rows.push([
      `select all ${options.runs}, overlays drawn`,
      `${selectMs} ms (${summary(await takeLongTasks(page))})`,
    ]);
    for (const alignment of ['epoch', 'fraction', 'step']) {
      const ms = await timed(
        page,
        () =>
          page
            .getByTestId('runs-alignment')
            .selectOption(alignment)
            .then(() => undefined),
        linesAre,
        options.runs,
      );
      rows.push([`line up by ${alignment}`, `${ms} ms (${summary(await takeLongTasks(page))})`]);
    }
    const sortMs = await timed(
      page,
      () => page.getByTestId('runs-sort-test').click(),
      linesAre,
      options.runs,
    );
    rows.push(['sort by test accuracy', `${sortMs} ms (${summary(await takeLongTasks(page))})`]);
    await page.getByTestId('start').click();
    await page.waitForTimeout(10_000);
    await takeLongTasks(page);
    await page.waitForTimeout(options.seconds * 1000);
    rows.push([
      `training ${options.seconds} s, ${options.runs} runs overlaid`,
      summary(await takeLongTasks(page)),
    ]);
    await page.getByTestId('runs-delete-selected').click();
    await page.waitForFunction(rowsAre, 0, { timeout: 120_000 });
    await takeLongTasks(page);
    await page.waitForTimeout(options.seconds * 1000);
    rows.push([
      `training ${options.seconds} s, no runs overlaid`,
      summary(await takeLongTasks(page)),
    ]);
  } finally {
    await browser.close();
    await site.close();
    rmSync(folder, { recursive: true, force: true });
  }
  console.log('| measured | result |\n| --- | --- |');
  for (const [what, result] of rows) console.log(`| ${what} | ${result} |`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
