// Drives the benchmark page (bench/browser) in headless Chromium from Node: the production build
// served locally, one page per request, its log relayed, its reply returned.
import { resolve } from 'node:path';
import { chromium, type Browser } from '@playwright/test';
import { previewBuild } from '../../scripts/lib/previewSite';
import { systemChromium } from '../../scripts/lib/studioPage';
import type { BenchReply, BenchRequest, BenchState } from '../browser/protocol';

export interface BenchBrowser {
  browser: Browser;
  /** runs one request on a fresh page; undefined when it outlives `deadlineS` */
  run(request: BenchRequest, deadlineS: number, onLog: (line: string) => void): Promise<BenchReply | undefined>;
  close(): Promise<void>;
}

export async function openBenchBrowser(): Promise<BenchBrowser> {
  const site = await previewBuild(resolve('node_modules/.bench-site'), 'bench/browser/index.html');
  const browser = await chromium.launch({
    executablePath: systemChromium(),
    args: ['--enable-unsafe-webgpu', '--no-sandbox', '--disable-background-networking'],
  });
  const run = async (request: BenchRequest, deadlineS: number, onLog: (line: string) => void) => {
    const page = await browser.newPage();
    try {
      await page.goto(`${site.base}bench/browser/index.html?request=${encodeURIComponent(JSON.stringify(request))}`);
      let shown = 0;
      const deadline = Date.now() + deadlineS * 1000;
      for (;;) {
        const state = await page.evaluate(() => (window as unknown as { bench: BenchState }).bench);
        state.log.slice(shown).forEach(onLog);
        shown = state.log.length;
        if (state.done) return state.reply;
        if (Date.now() > deadline) return undefined;
        await new Promise((done) => setTimeout(done, 1000));
      }
    } finally {
      await page.close();
    }
  };
  const close = async () => {
    await browser.close();
    await site.close();
  };
  return { browser, run, close };
}
