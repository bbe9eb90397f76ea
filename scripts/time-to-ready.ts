// `npm run time-to-ready -- [--runs N] [--url query]`: how long the built studio takes to be ready
// (a backend shown and Start enabled) on a first visit and on a repeat visit in the same browser,
// in headless Chromium, split into the two things it waits for: the backend and the dataset.
// Prints each run and the medians against the target (repeat visit within 2 s).
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { chromium, type BrowserContext } from '@playwright/test';
import { previewBuild } from './lib/previewSite';
import { helpRequested, unknownOption } from './lib/cli';
import { median } from '../src/stats';
import { systemChromium, waitForStartEnabled } from './lib/studioPage';

const USAGE = `usage: npm run time-to-ready -- [--runs N] [--url query]

  --runs N     first and repeat visits, each pair in a fresh browser profile (default 5)
  --url query  the studio address (default: the first-visit demo, no query)`;

const REPEAT_TARGET_MS = 2000;

interface Visit {
  /** navigation to the backend's name on screen, ms */
  backendMs: number;
  /** navigation to the built-in dataset's summary on screen, ms */
  datasetMs: number;
  /** navigation to Start enabled, ms */
  readyMs: number;
}

function parseArgs(args: string[]): { runs: number; url: string } {
  const options = { runs: 5, url: '' };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = args[++i];
    if (flag === '--runs') {
      const runs = Number(value);
      if (!(runs >= 1)) throw new Error(`--runs needs a positive number, got ${value}`);
      options.runs = Math.round(runs);
    } else if (flag === '--url') options.url = value;
    else throw unknownOption(flag, ['--runs', '--url', '--help']);
  }
  return options;
}

async function visit(context: BrowserContext, address: string): Promise<Visit> {
  const page = await context.newPage();
  const started = Date.now();
  const since = () => Date.now() - started;
  await page.goto(address);
  const backend = page
    .getByTestId('backend')
    .filter({ hasText: /^(webgpu|webgl|wasm|cpu)$/ })
    .waitFor({ timeout: 120_000 })
    .then(since);
  const dataset = page.getByTestId('dataset-summary').waitFor({ timeout: 120_000 }).then(since);
  await waitForStartEnabled(page, 20);
  const readyMs = since();
  const result = { backendMs: await backend, datasetMs: await dataset, readyMs };
  await page.close();
  return result;
}

const line = (name: string, visits: Visit[]) =>
  `| ${name} | ${visits.map((v) => v.readyMs).join(', ')} | ${median(visits.map((v) => v.readyMs))} | ${median(visits.map((v) => v.backendMs))} | ${median(visits.map((v) => v.datasetMs))} |`;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (helpRequested(args)) {
    console.log(USAGE);
    return;
  }
  const options = parseArgs(args);
  const site = await previewBuild(resolve('node_modules/.ready-site'));
  const browser = await chromium.launch({
    executablePath: systemChromium(),
    args: ['--enable-unsafe-webgpu', '--no-sandbox', '--disable-background-networking'],
  });
  const first: Visit[] = [];
  const repeat: Visit[] = [];
  try {
    for (let run = 0; run < options.runs; run++) {
      const context = await browser.newContext({ serviceWorkers: 'block' });
      first.push(await visit(context, `${site.base}${options.url}`));
      repeat.push(await visit(context, `${site.base}${options.url}`));
      await context.close();
      console.error(
        `run ${run + 1}: first ${first.at(-1)!.readyMs} ms, repeat ${repeat.at(-1)!.readyMs} ms`,
      );
    }
  } finally {
    await browser.close();
    await site.close();
  }
  const repeatMedian = median(repeat.map((v) => v.readyMs));
  console.log(
    [
      `Time to ready in headless Chromium ${browser.version()} on ${cpus().length} cores, address "/${options.url}", ${options.runs} runs:`,
      '',
      '| visit | ready, each run (ms) | median ready | median backend shown | median dataset shown |',
      '|---|---|---|---|---|',
      line('first', first),
      line('repeat', repeat),
      '',
      `Repeat visit: median ${repeatMedian} ms against a target of ${REPEAT_TARGET_MS} ms: ${repeatMedian <= REPEAT_TARGET_MS ? 'met' : 'missed'}.`,
    ].join('\n'),
  );
}

if (process.argv[1]?.endsWith('time-to-ready.ts'))
  main().catch((error: Error) => {
    console.error(`time-to-ready: ${error.message}`);
    process.exit(1);
  });
