// `npm run soak -- [--minutes N] [--sample-s S] [--url query] [--out file.md]`: trains a long run
// in the production build in headless Chromium and samples, over time, what a long run must keep
// flat: main-thread long tasks, how long the page takes to answer a script and a Pause, the
// worker's tensor count and wasm heap, the page's JS heap and the renderer's memory. Prints a
// markdown table and writes it (and the JSON samples) to --out.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { previewBuild } from './lib/previewSite';
import {
  recordLongTasks,
  systemChromium,
  takeLongTasks,
  waitForStartEnabled,
} from './lib/studioPage';
import type { MemoryFacts } from '../src/bridge/testHook';
import { helpRequested, unknownOption } from './lib/cli';

const USAGE = `usage: npm run soak -- [--minutes N] [--sample-s S] [--url query] [--out file.md]

  --minutes N   how long to train (default 60)
  --sample-s S  seconds between samples (default 60)
  --url query   the studio address to open (default a long quarter-width micro run on wasm:
                ?preset=micro&widthMultiplier=0.25&epochs=1000&backend=wasm)
  --out file    where the table goes (default docs/soak.md; the samples as JSON beside it)`;

interface Sample {
  minute: number;
  step: number;
  /** total and longest main-thread long task (over 50 ms) since the previous sample, ms */
  longTasks: number;
  longTaskMs: number;
  longestTaskMs: number;
  /** a trivial script's round trip, ms */
  answerMs: number;
  /** Pause click to the paused state on screen, ms */
  pauseMs: number;
  tensors: number;
  heapMB: number | null;
  jsHeapMB: number;
  rendererMB: number | null;
}

interface Options {
  minutes: number;
  sampleS: number;
  url: string;
  out: string;
}

function parseArgs(args: string[]): Options {
  const options: Options = {
    minutes: 60,
    sampleS: 60,
    url: '?preset=micro&widthMultiplier=0.25&epochs=1000&backend=wasm',
    out: 'docs/soak.md',
  };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = args[++i];
    if (flag === '--minutes' || flag === '--sample-s') {
      const number = Number(value);
      if (!(number > 0)) throw new Error(`${flag} needs a positive number, got ${value}`);
      options[flag === '--minutes' ? 'minutes' : 'sampleS'] = number;
    } else if (flag === '--url') options.url = value;
    else if (flag === '--out') options.out = value;
    else throw unknownOption(flag, ['--minutes', '--sample-s', '--url', '--out', '--help']);
  }
  return options;
}

/**
 * Resident memory of the renderer processes of the browser started with the switch `marker`, MB
 * (Linux; null elsewhere). Other browsers on the machine are not counted.
 */
export function rendererMegabytes(marker: string, listing?: string): number | null {
  try {
    const table = (
      listing ?? execFileSync('ps', ['-eo', 'pid,ppid,rss,args'], { encoding: 'utf8' })
    )
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields.length >= 4)
      .map(([pid, ppid, rss, ...args]) => ({
        pid: Number(pid),
        ppid: Number(ppid),
        kilobytes: Number(rss),
        args: args.join(' '),
      }));
    const browser = table.find((p) => p.args.includes(marker) && !p.args.includes('--type='));
    if (!browser) return null;
    const ours = new Set([browser.pid]);
    for (let grew = true; grew;) {
      grew = false;
      for (const process of table)
        if (!ours.has(process.pid) && ours.has(process.ppid)) {
          ours.add(process.pid);
          grew = true;
        }
    }
    const kilobytes = table
      .filter((p) => p.args.includes('--type=renderer') && ours.has(p.pid))
      .reduce((sum, p) => sum + p.kilobytes, 0);
    return kilobytes / 1024;
  } catch {
    return null;
  }
}

async function sample(page: Page, minute: number, marker: string): Promise<Sample> {
  const asked = Date.now();
  await page.evaluate(() => 1);
  const answerMs = Date.now() - asked;
  const tasks = await takeLongTasks(page);
  const memory = await page.evaluate(() =>
    (window as unknown as { __studio: { memory(): Promise<MemoryFacts> } }).__studio.memory(),
  );
  const jsHeap = await page.evaluate(
    () =>
      (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ??
      0,
  );
  const pausedAt = Date.now();
  await page.getByTestId('pause').click();
  await page.getByTestId('run-state').filter({ hasText: 'paused' }).waitFor();
  const pauseMs = Date.now() - pausedAt;
  const step = Number(await page.getByTestId('step-counter').textContent());
  await page.getByTestId('resume').click();
  return {
    minute,
    step,
    longTasks: tasks.length,
    longTaskMs: tasks.reduce((a, b) => a + b, 0),
    longestTaskMs: Math.max(0, ...tasks),
    answerMs,
    pauseMs,
    tensors: memory.tensors,
    heapMB: memory.heapBytes === null ? null : memory.heapBytes / 2 ** 20,
    jsHeapMB: jsHeap / 2 ** 20,
    rendererMB: rendererMegabytes(marker),
  };
}

const COLUMNS = `- *long tasks*: main-thread tasks over 50 ms (the browser's Long Tasks API) since the previous
  sample (the first from the click on Start): how many, their sum and the longest: the page must never block for more than 50 ms
  (target: none in at least 57 of 60 minutes, none over 100 ms);
- *answer*: how long the page takes to run a trivial script; *Pause*: from a click on Pause to
  the paused state on screen (the run resumes right after);
- *tensors*, *wasm heap*: the training worker's TF.js tensor count and wasm memory;
- *JS heap*: the page's used JavaScript heap; *renderer*: resident memory of this browser's
  renderer processes (the page and its workers).`;

function soakPage(
  options: Options,
  args: string[],
  table: string,
  summary: string,
  version: string,
): string {
  return [
    `# Soak: ${options.minutes} minutes on Chromium ${version}`,
    '',
    `\`npm run soak -- ${args.join(' ')}\` on ${new Date().toISOString().slice(0, 10)}: the production build in headless Chromium ${version} on a ${cpus().length}-core machine without a GPU, studio address \`${options.url}\`, one sample every ${options.sampleS} s.`,
    '',
    COLUMNS,
    '',
    table,
    '',
    summary,
    '',
  ].join('\n');
}

/** The long-task verdict: samples free of tasks over 50 ms, and the longest task of all. */
export function longTaskSummary(samples: readonly Sample[]): string {
  const clean = samples.filter((s) => s.longTasks === 0).length;
  const longest = Math.max(0, ...samples.map((s) => s.longestTaskMs));
  const needed = Math.ceil((57 / 60) * samples.length);
  const met = clean >= needed && longest <= 100;
  return `Samples without a task over 50 ms: ${clean} of ${samples.length} (target ${needed}); longest task ${longest.toFixed(0)} ms (target 100 or less): target ${met ? 'met' : 'missed'}.`;
}

export function soakTable(samples: readonly Sample[], sampleS: number): string {
  const mb = (value: number | null) => (value === null ? '–' : value.toFixed(0));
  return [
    `| minute | step | long tasks / ${sampleS} s | their sum ms | longest task ms | answer ms | Pause ms | tensors | wasm heap MB | JS heap MB | renderer MB |`,
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...samples.map(
      (s) =>
        `| ${s.minute.toFixed(1)} | ${s.step} | ${s.longTasks} | ${s.longTaskMs.toFixed(0)} | ${s.longestTaskMs.toFixed(0)} | ${s.answerMs} | ${s.pauseMs} | ${s.tensors} | ${mb(s.heapMB)} | ${mb(s.jsHeapMB)} | ${mb(s.rendererMB)} |`,
    ),
  ].join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (helpRequested(args)) {
    console.log(USAGE);
    return;
  }
  const options = parseArgs(args);
  const site = await previewBuild(resolve('node_modules/.soak-site'));
  const base = site.base;
  // an inert switch that tells this browser's processes from any other on the machine
  const marker = `--soak-run=${process.pid}`;
  const browser = await chromium.launch({
    executablePath: systemChromium(),
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', marker],
  });
  const version = browser.version();
  const samples: Sample[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await recordLongTasks(page);
    await page.goto(`${base}${options.url}`);
    await waitForStartEnabled(page);
    // the run is measured from Start: loading the page is time-to-ready's business
    await takeLongTasks(page);
    await page.getByTestId('start').click();
    const started = Date.now();
    const end = started + options.minutes * 60_000;
    for (let next = started + options.sampleS * 1000; next <= end; next += options.sampleS * 1000) {
      await new Promise((done) => setTimeout(done, Math.max(0, next - Date.now())));
      const taken = await sample(page, (Date.now() - started) / 60_000, marker);
      samples.push(taken);
      console.error(soakTable([taken], options.sampleS).split('\n').at(-1));
    }
  } finally {
    await browser.close();
    await site.close();
  }
  const table = soakTable(samples, options.sampleS);
  const summary = longTaskSummary(samples);
  const page = soakPage(options, args, table, summary, version);
  mkdirSync(dirname(resolve(options.out)), { recursive: true });
  writeFileSync(options.out, page);
  writeFileSync(options.out.replace(/\.md$/, '.json'), JSON.stringify(samples, null, 2));
  console.log(`${table}\n\n${summary}`);
}

if (process.argv[1]?.endsWith('soak.ts'))
  main().catch((error: Error) => {
    console.error(`soak: ${error.message}`);
    process.exit(1);
  });
