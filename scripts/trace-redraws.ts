// `npm run trace:redraws -- [--seconds N] [--warmup-s S] [--url query] [--runs R]`: trains a run
// in the production build (unminified, so function names survive) in headless Chromium, records
// a performance trace and a CPU profile of the page's main thread, and prints where each task over
// 50 ms went: script (split into React, Recharts, the store, message handling and the rest), style,
// layout, paint, garbage collection. Also the same window's long tasks as the Long Tasks API sees
// them, so a change to the charts can be measured before and after on the same machine.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser, type CDPSession, type Page } from '@playwright/test';
import { previewBuild } from './lib/previewSite';
import { helpRequested, unknownOption } from './lib/cli';
import {
  recordLongTasks,
  systemChromium,
  takeLongTasks,
  waitForStartEnabled,
} from './lib/studioPage';
import { originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';
import {
  allocationsBySource,
  longTaskBreakdowns,
  mainThreadCollections,
  type SamplingHeapProfile,
  packageOf,
  scriptSelfTimes,
  type SourceOf,
  type CpuProfile,
  type TraceEvent,
} from './lib/traceAnalysis';

const USAGE = `usage: npm run trace:redraws -- [--seconds N] [--warmup-s S] [--url query] [--runs R]

  --seconds N   how long to record (default 30)
  --warmup-s S  training time before recording starts (default 15)
  --url query   the studio address (default ?preset=micro&widthMultiplier=0.25&epochs=1000&backend=wasm)
  --runs R      recordings, each in a fresh page (default 1)
  --no-trace    count long tasks only (no trace or profile: their own overhead left out)
  --allocations sample the page's allocations instead (garbage included), by source`;

interface Options {
  seconds: number;
  warmupS: number;
  url: string;
  runs: number;
  trace: boolean;
  allocations: boolean;
}

function parseArgs(args: string[]): Options {
  const options: Options = {
    seconds: 30,
    warmupS: 15,
    url: '?preset=micro&widthMultiplier=0.25&epochs=1000&backend=wasm',
    runs: 1,
    trace: true,
    allocations: false,
  };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    if (flag === '--no-trace') {
      options.trace = false;
      continue;
    }
    if (flag === '--allocations') {
      options.allocations = true;
      options.trace = false;
      continue;
    }
    const value = args[++i];
    if (flag === '--seconds' || flag === '--warmup-s' || flag === '--runs') {
      const number = Number(value);
      if (!(number > 0)) throw new Error(`${flag} needs a positive number, got ${value}`);
      if (flag === '--seconds') options.seconds = number;
      else if (flag === '--warmup-s') options.warmupS = number;
      else options.runs = Math.round(number);
    } else if (flag === '--url') options.url = value;
    else
      throw unknownOption(flag, [
        '--seconds',
        '--warmup-s',
        '--url',
        '--runs',
        '--no-trace',
        '--allocations',
        '--help',
      ]);
  }
  return options;
}

const TRACE_CATEGORIES = [
  'toplevel',
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'v8',
  'v8.execute',
  'blink.user_timing',
];

/** Maps a built script's position to its package or project file through the build's source maps. */
function sourceMapLookup(outDir: string): SourceOf {
  const maps = new Map<string, TraceMap | null>();
  return (url, line, column) => {
    const path = url.match(/\/(assets\/[^?#]+\.js)/)?.[1];
    if (!path) return null;
    if (!maps.has(path)) {
      const file = resolve(outDir, `${path}.map`);
      maps.set(path, existsSync(file) ? new TraceMap(readFileSync(file, 'utf8')) : null);
    }
    const map = maps.get(path);
    if (!map) return null;
    // the profile's positions count from 0, the source map's lines from 1
    const { source } = originalPositionFor(map, { line: line + 1, column });
    return source ? packageOf(source) : null;
  };
}

async function startedRun(page: Page, base: string, url: string): Promise<void> {
  await page.goto(`${base}${url}`);
  await waitForStartEnabled(page);
  await page.getByTestId('start').click();
}

async function recordOnce(
  options: Options,
  base: string,
  run: number,
  sourceOf: SourceOf,
): Promise<string[]> {
  const browser = await chromium.launch({
    executablePath: systemChromium(),
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update'],
  });
  const report: string[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await recordLongTasks(page);
    await startedRun(page, base, options.url);
    await page.waitForTimeout(options.warmupS * 1000);
    await takeLongTasks(page);
    if (options.allocations) {
      report.push(...(await sampledAllocations(page, browser, options, run, sourceOf)));
      return report;
    }
    let cdp: CDPSession | null = null;
    if (options.trace) {
      cdp = await page.context().newCDPSession(page);
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 1000 });
      await cdp.send('Profiler.start');
      await browser.startTracing(page, { categories: TRACE_CATEGORIES });
    }
    await page.waitForTimeout(options.seconds * 1000);
    const longTasks = await takeLongTasks(page);
    const steps = await page.getByTestId('step-counter').textContent();
    if (cdp) {
      const traceBytes = await browser.stopTracing();
      const { profile } = (await cdp.send('Profiler.stop')) as { profile: CpuProfile };
      const events = (JSON.parse(traceBytes.toString('utf8')) as { traceEvents: TraceEvent[] })
        .traceEvents;
      const all = longTaskBreakdowns(events, 0);
      const tasks = all.filter((t) => t.ms >= 50);
      const busy = (from: number, to: number) =>
        all.filter((t) => t.ms >= from && t.ms < to).reduce((sum, t) => sum + t.ms, 0);
      const count = (from: number, to: number) =>
        all.filter((t) => t.ms >= from && t.ms < to).length;
      report.push(
        `run ${run + 1}: main-thread tasks by length (count, ms in all): ${[
          [0, 10],
          [10, 20],
          [20, 35],
          [35, 50],
          [50, Infinity],
        ]
          .map(([a, b]) => `${a}-${b} ms: ${count(a, b)}, ${busy(a, b).toFixed(0)}`)
          .join('; ')}`,
      );
      report.push(`run ${run + 1}: ${tasks.length} main-thread tasks over 50 ms in the trace`);
      const byEntry = new Map<string, { count: number; ms: number }>();
      for (const t of all) {
        const entry = byEntry.get(t.entry || '(none)') ?? { count: 0, ms: 0 };
        entry.count++;
        entry.ms += t.ms;
        byEntry.set(t.entry || '(none)', entry);
      }
      report.push(
        `run ${run + 1}: tasks by what started them (count, ms in all): ${[...byEntry.entries()]
          .sort((a, b) => b[1].ms - a[1].ms)
          .map(([name, e]) => `${name} ${e.count}, ${e.ms.toFixed(0)}`)
          .join('; ')}`,
      );
      const first = all[0]?.startUs ?? 0;
      const last = all.at(-1)?.endUs ?? 0;
      report.push(
        `run ${run + 1}: script self time in all tasks, by source (ms): ${scriptSelfTimes(
          profile,
          first,
          last,
          sourceOf,
        )
          .slice(0, 12)
          .map((g) => `${g.group} ${g.ms.toFixed(0)}`)
          .join(', ')}`,
      );
      report.push('| task ms | script | style | layout | paint | gc | other | what ran |');
      report.push('|---|---|---|---|---|---|---|---|');
      for (const task of tasks) {
        const script = scriptSelfTimes(profile, task.startUs, task.endUs, sourceOf);
        const top = script
          .slice(0, 3)
          .map((s) => `${s.group} ${s.ms.toFixed(0)}`)
          .join(', ');
        const p = task.parts;
        report.push(
          `| ${task.ms.toFixed(0)} | ${p.script.toFixed(0)} | ${p.style.toFixed(0)} | ${p.layout.toFixed(0)} | ${p.paint.toFixed(0)} | ${p.gc.toFixed(0)} | ${p.other.toFixed(0)} | ${task.entry}: ${top} |`,
        );
      }
    }
    report.push(
      `run ${run + 1}, step ${steps}: Long Tasks API over ${options.seconds} s: ${longTasks.length} tasks, ${longTasks.reduce((a, b) => a + b, 0).toFixed(0)} ms in all, longest ${Math.max(0, ...longTasks).toFixed(0)} ms`,
    );
    return report;
  } finally {
    await browser.close();
  }
}

/** The page's allocations over the window (garbage included), by source, and its collections. */
async function sampledAllocations(
  page: Page,
  browser: Browser,
  options: Options,
  run: number,
  sourceOf: SourceOf,
): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.enable');
  await cdp.send('HeapProfiler.startSampling', {
    samplingInterval: 16384,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  await browser.startTracing(page, { categories: ['devtools.timeline', 'v8'] });
  await page.waitForTimeout(options.seconds * 1000);
  const events = (
    JSON.parse((await browser.stopTracing()).toString('utf8')) as { traceEvents: TraceEvent[] }
  ).traceEvents;
  const { profile } = (await cdp.send('HeapProfiler.stopSampling')) as {
    profile: SamplingHeapProfile;
  };
  const groups = allocationsBySource(profile, sourceOf);
  const functions = allocationsBySource(profile, (url, line, column) => {
    const source = sourceOf(url, line, column);
    return source ? `${source}:${line + 1}` : null;
  });
  const total = groups.reduce((sum, g) => sum + g.bytes, 0);
  const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
  const collections = mainThreadCollections(events);
  const majors = collections.filter((c) => c.kind === 'major');
  const minors = collections.filter((c) => c.kind === 'minor');
  return [
    `run ${run + 1}: ${mb(total)} MB allocated in ${options.seconds} s; by source (MB): ${groups
      .slice(0, 15)
      .map((g) => `${g.group} ${mb(g.bytes)}`)
      .join(', ')}`,
    `run ${run + 1}: by allocating line of the build (MB): ${functions
      .slice(0, 20)
      .map((g) => `${g.group} ${mb(g.bytes)}`)
      .join(', ')}`,
    `run ${run + 1}: ${minors.length} minor collections, ${minors
      .reduce((sum, c) => sum + c.ms, 0)
      .toFixed(0)} ms in all; ${majors.length} major: ${majors
      .map(
        (c) =>
          `${c.ms.toFixed(0)} ms (${c.usedBeforeMB.toFixed(0)} -> ${c.usedAfterMB.toFixed(0)} MB)`,
      )
      .join(', ')}`,
  ];
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (helpRequested(args)) {
    console.log(USAGE);
    return;
  }
  const options = parseArgs(args);
  const outDir = resolve('node_modules/.trace-site');
  // long tasks alone are counted on the build users get; a profile needs names and source maps
  const site = await previewBuild(outDir, undefined, {
    forProfiling: options.trace || options.allocations,
  });
  const sourceOf = sourceMapLookup(outDir);
  const browser = await chromium.launch({
    executablePath: systemChromium(),
  });
  console.log(`Chromium ${browser.version()}, studio address ${options.url}`);
  await browser.close();
  try {
    for (let run = 0; run < options.runs; run++) {
      const report = await recordOnce(options, site.base, run, sourceOf);
      console.log(report.join('\n'));
    }
  } finally {
    await site.close();
  }
}

if (process.argv[1]?.endsWith('trace-redraws.ts'))
  main().catch((error: Error) => {
    console.error(`trace-redraws: ${error.message}`);
    process.exit(1);
  });
