// What the scripts (and specs) that drive the built studio in Chromium share: the browser to
// launch, a record of the page's long tasks, and the wait for a studio ready to start.
import { existsSync } from 'node:fs';
import type { Page } from '@playwright/test';

/** Debian's Chromium where it exists, else Playwright's own browser (undefined). */
export const systemChromium = (): string | undefined =>
  existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined;

/** From the page's first script on, keeps the duration of every task over 50 ms. */
export async function recordLongTasks(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const log = window as unknown as { longTasks: number[] };
    log.longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) log.longTasks.push(entry.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
}

/** The long tasks (ms) recorded since the last call, and a fresh record from now. */
export function takeLongTasks(page: Page): Promise<number[]> {
  return page.evaluate(() => {
    const log = window as unknown as { longTasks: number[] };
    const taken = log.longTasks;
    log.longTasks = [];
    return taken;
  });
}

/** Waits until Start is enabled: a backend chosen and a dataset loaded. */
export async function waitForStartEnabled(page: Page, polling?: number): Promise<void> {
  await page.waitForFunction(
    () => {
      const start = document.querySelector<HTMLButtonElement>('[data-testid=start]');
      return start !== null && !start.disabled;
    },
    null,
    { timeout: 120_000, ...(polling ? { polling } : {}) },
  );
}
