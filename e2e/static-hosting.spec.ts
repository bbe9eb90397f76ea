// The built site on a plain static host under a sub-path, with no COOP/COEP headers: the
// service worker isolates it (wasm threads), and after the first visit it works offline.
import { expect, test, type Page } from '@playwright/test';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cifar10Records, gzip, tarArchive } from '../src/testing/cifarFixtures';
import { serveStatic, type StaticSite } from './staticServer';
import { Studio } from './studio';

test.use({ serviceWorkers: 'allow' });

let site: StaticSite;
test.beforeAll(async () => {
  site = await serveStatic('dist');
});
test.afterAll(async () => site.close());

/** True once the page (which reloads itself once on a first visit) is cross-origin isolated. */
async function isolated(page: Page): Promise<boolean> {
  try {
    return await page.evaluate(() => crossOriginIsolated && !!navigator.serviceWorker.controller);
  } catch {
    return false; // navigating
  }
}

/** A small CIFAR-10 release: 5 batches of 20 training images, 20 test images. */
async function smallArchive(): Promise<Buffer> {
  const labels = Array.from({ length: 20 }, (_, i) => i % 10);
  const files: Record<string, Uint8Array> = {
    'cifar-10-batches-bin/batches.meta.txt': new TextEncoder().encode(
      'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n',
    ),
    'cifar-10-batches-bin/test_batch.bin': cifar10Records(labels, 99),
  };
  for (let b = 1; b <= 5; b++)
    files[`cifar-10-batches-bin/data_batch_${b}.bin`] = cifar10Records(labels, b);
  return Buffer.from(await gzip(tarArchive(files)));
}

test('on a header-less static host: isolated by the service worker, wasm on every core, and offline after the first visit', async ({
  page,
  context,
}) => {
  test.setTimeout(240_000);
  const studio = new Studio(page);
  await page.goto(`${site.url}?preset=classroom&backend=wasm`);
  await expect.poll(() => isolated(page), { timeout: 60_000 }).toBe(true);
  // the first visit made the offline copy, then reloaded itself once to be isolated
  await expect(page.getByTestId('site-notice')).toHaveAttribute('data-kind', 'offline-ready');
  await expect(page.getByTestId('dataset-summary')).toContainText('Built-in shapes', {
    timeout: 60_000,
  });
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  const threads = Math.min(8, cores);
  await expect(page.getByTestId('backend-detail')).toContainText(
    threads > 1 ? `${threads} threads (cross-origin isolated)` : '1 thread',
  );
  test
    .info()
    .annotations.push({ type: 'measured', description: `${cores} cores, ${threads} threads` });
  // installable: Chromium finds nothing missing in the manifest, icons or service worker
  const cdp = await context.newCDPSession(page);
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
  // a test browser context is an incognito one, where nothing installs; nothing else may be missing
  expect(installabilityErrors.filter((e) => e.errorId !== 'in-incognito')).toEqual([]);
  const manifest = (await (await page.request.get(`${site.url}manifest.webmanifest`)).json()) as {
    name: string;
    display: string;
    icons: { src: string }[];
  };
  expect(manifest).toMatchObject({ name: 'Low-rank CNN studio', display: 'standalone' });
  for (const icon of manifest.icons)
    expect((await page.request.get(`${site.url}${icon.src}`)).ok(), icon.src).toBe(true);
  await page.getByTestId('start').click();
  await studio.waitForSteps(20);
  await page.getByTestId('pause').click();
  await expect(studio.runState()).toHaveText('paused');

  // a CIFAR set loaded while online goes into the browser's cache
  await page.getByTestId('dataset-select').selectOption('cifar10');
  await page.getByTestId('dataset-file').setInputFiles({
    name: 'cifar-10-binary.tar.gz',
    mimeType: 'application/gzip',
    buffer: await smallArchive(),
  });
  await expect(page.getByTestId('dataset-summary')).toContainText(
    '100 training and 20 test images',
  );

  await context.setOffline(true);
  await page.reload();
  // the last chosen set comes back from the cache, and trains
  await expect(page.getByTestId('dataset-summary')).toContainText('CIFAR-10', { timeout: 60_000 });
  await expect(page.getByTestId('dataset-summary')).toContainText('100 training and 20 test');
  expect(await isolated(page)).toBe(true);
  await page.getByTestId('start').click();
  await studio.waitForSteps(5);
  await page.getByTestId('pause').click();
  await expect(studio.runState()).toHaveText('paused');
  // and the built-in set, generated in the page's own code, trains offline too
  await page.getByTestId('reset').click();
  await page.getByTestId('dataset-select').selectOption('builtin');
  await expect(page.getByTestId('dataset-summary')).toContainText('Built-in shapes');
  await page.getByTestId('start').click();
  await studio.waitForSteps(5);
  await expect(page.getByTestId('error')).toHaveCount(0);
  await context.setOffline(false);
});

/** A copy of the build as its next deployment: another build id, so another page revision. */
function nextDeployment(): string {
  const folder = mkdtempSync(join(tmpdir(), 'studio-next-'));
  cpSync('dist', folder, { recursive: true });
  const pagePath = join(folder, 'index.html');
  const page = readFileSync(pagePath, 'utf8');
  const next = page.replace(/(<meta name="studio-build" content=")[^"]*"/, '$1next deployment"');
  expect(next).not.toBe(page);
  writeFileSync(pagePath, next);
  const md5 = (text: string) => createHash('md5').update(text).digest('hex');
  const workerPath = join(folder, 'serviceWorker.js');
  const worker = readFileSync(workerPath, 'utf8');
  expect(worker).toContain(md5(page));
  writeFileSync(workerPath, worker.replace(md5(page), md5(next)));
  return folder;
}

test('a new deployment is cached whole in the background and opens on the next visit, saying so', async ({
  context,
}) => {
  test.setTimeout(240_000);
  const first = await context.newPage();
  await first.goto(`${site.url}?preset=classroom&backend=wasm`);
  await expect.poll(() => isolated(first), { timeout: 60_000 }).toBe(true);
  await expect(first.getByTestId('backend')).toHaveText('wasm', { timeout: 60_000 });

  site.serve(nextDeployment());

  await first.reload();
  await expect(first.getByTestId('site-notice')).toHaveAttribute('data-kind', 'update-ready', {
    timeout: 60_000,
  });
  // still the old version in this tab, whole
  await expect(first.locator('meta[name="studio-build"]')).not.toHaveAttribute(
    'content',
    'next deployment',
  );
  await first.close();

  const second = await context.newPage();
  await expect
    .poll(
      async () => {
        await second.goto(`${site.url}?preset=classroom&backend=wasm`);
        return second.locator('meta[name="studio-build"]').getAttribute('content');
      },
      { timeout: 60_000 },
    )
    .toBe('next deployment');
  await expect(second.getByTestId('site-notice')).toHaveAttribute('data-kind', 'updated');
  await expect(second.getByTestId('site-notice')).toContainText('updated since your last visit');
  await expect(second.getByTestId('backend')).toHaveText('wasm', { timeout: 60_000 });
  await expect(second.getByTestId('start')).toBeEnabled();
  site.serve('dist');
});
