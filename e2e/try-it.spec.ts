import { expect, test, type Locator, type Page } from '@playwright/test';
import { unzipSync } from 'fflate';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { Studio } from './studio';

// Try it: the trained model (and its dense baseline) asked about an image chosen, dropped or
// pasted, and about the camera's picture (Chromium's fake camera, playwright.config.ts); then
// the exported zip loaded back and asked the same, and the README's plain TF.js code run on it.

/** A 48 x 32 PNG of stripes (two classes of the built-in set), off-square on purpose. */
async function stripesPng(direction: 'vertical' | 'horizontal'): Promise<Buffer> {
  const width = 48;
  const height = 32;
  const rgb = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const along = direction === 'vertical' ? i % width : Math.floor(i / width);
    rgb.fill(along % 8 < 4 ? 230 : 20, 3 * i, 3 * i + 3);
  }
  return sharp(rgb, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/** The probabilities an answer card shows, best first. */
async function probabilities(card: Locator): Promise<number[]> {
  const items = card.locator('li');
  await expect(items).toHaveCount(3);
  return items.evaluateAll((lis) => lis.map((li) => Number(li.getAttribute('data-probability'))));
}

async function expectTopThree(card: Locator): Promise<number[]> {
  const values = await probabilities(card);
  expect(values.every((p) => p >= 0 && p <= 1)).toBe(true);
  expect([...values].sort((a, b) => b - a)).toEqual(values);
  expect(values.reduce((sum, p) => sum + p, 0)).toBeLessThanOrEqual(1 + 1e-6);
  return values;
}

/** Hands files to the page as a drop, or as a paste of the clipboard, would. */
async function dispatchWithFile(page: Page, kind: 'drop' | 'paste', png: Buffer) {
  await page.evaluate(
    ({ kind, bytes }) => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(bytes)], 'stripes.png', { type: 'image/png' }));
      const target = document.querySelector('[data-testid="try-drop"]')!;
      const event =
        kind === 'drop'
          ? new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true })
          : new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true });
      (kind === 'drop' ? target : document).dispatchEvent(event);
    },
    { kind, bytes: [...png] },
  );
}

/** The README's code that classifies an <img> with the exported model (its js block naming labels.json). */
function readmeSnippet(): string {
  const blocks = readFileSync('README.md', 'utf8').match(/```js\n[\s\S]*?```/g) ?? [];
  const block = blocks.find((text) => text.includes('labels.json'));
  if (!block) throw new Error('README.md has no js block that reads labels.json');
  return block.replace(/^ *```(js)?$/gm, '').replace(/^ {3}/gm, '');
}

/**
 * Runs the README's code in a page of its own with plain TF.js (its UMD build), the exported
 * model's files beside it and the image in an <img>: its top three [name, probability].
 */
async function runReadmeSnippet(page: Page, zip: Buffer, png: Buffer) {
  const files: Record<string, Buffer> = {
    '/': Buffer.from('<img src="image.png"><script src="tf.min.js"></script>'),
    '/image.png': png,
    '/tf.min.js': readFileSync('node_modules/@tensorflow/tfjs/dist/tf.min.js'),
  };
  for (const [name, bytes] of Object.entries(unzipSync(zip)))
    files[`/${name}`] = Buffer.from(bytes);
  const types: Record<string, string> = {
    '/': 'text/html',
    '.png': 'image/png',
    '.js': 'text/javascript',
  };
  await page.route('http://snippet.test/**', (route) => {
    const path = new URL(route.request().url()).pathname;
    const type =
      types[path] ?? types[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream';
    return files[path]
      ? route.fulfill({ body: files[path], contentType: type })
      : route.fulfill({ status: 404 });
  });
  await page.goto('http://snippet.test/');
  await page.waitForFunction(() => 'tf' in window && document.querySelector('img')!.complete);
  return page.evaluate(
    (code) => new Function(`return (async () => {\n${code}\nreturn top3;\n})();`)(),
    readmeSnippet(),
  ) as Promise<[string, number][]>;
}

/** What the preview canvas shows, as a data URL. */
const previewPixels = (page: Page) =>
  page.getByTestId('try-preview').evaluate((canvas: HTMLCanvasElement) => canvas.toDataURL());

test('Try it: the model in training, the camera, and the exported zip loaded back', async ({
  page,
}) => {
  test.setTimeout(240_000);
  const studio = new Studio(page);
  await studio.open('?preset=classroom&epochs=2&batchSize=8&backend=wasm');
  const panel = page.getByTestId('try-it');
  await expect(panel).toContainText('Start a run, or load an exported model');
  await expect(page.getByTestId('try-camera')).toBeDisabled();
  await page.getByTestId('compare-dense').click();
  await page.getByTestId('start').click();
  await expect(studio.runState()).toHaveText('finished', { timeout: 120_000 });

  const png = await stripesPng('vertical');
  await page.getByTestId('try-image-file').setInputFiles({
    name: 'stripes.png',
    mimeType: 'image/png',
    buffer: png,
  });
  const job = page.getByTestId('try-answer-job');
  await expect(job.locator('figcaption')).toHaveText(/^resnet8 low-rank at step \d+$/);
  const chosen = await expectTopThree(job);
  await expectTopThree(page.getByTestId('try-answer-baseline'));
  // the model sees the centre square at the dataset's side
  await expect(page.getByTestId('try-preview')).toHaveAttribute('width', '32');

  // another image dropped, then the first pasted: the model sees each, and answers the same again
  const chosenView = await previewPixels(page);
  await dispatchWithFile(page, 'drop', await stripesPng('horizontal'));
  await expect.poll(() => previewPixels(page)).not.toBe(chosenView);
  await dispatchWithFile(page, 'paste', png);
  await expect.poll(() => previewPixels(page)).toBe(chosenView);
  await expect.poll(() => probabilities(job)).toEqual(chosen);

  // the camera: a frame classified every half second while it is on
  await page.getByTestId('try-camera').click();
  await expect(page.getByTestId('try-video')).toBeVisible();
  await expect(page.getByTestId('try-camera-problem')).toHaveCount(0);
  const still = await previewPixels(page);
  await expect.poll(() => previewPixels(page), { timeout: 20_000 }).not.toBe(still);
  const frame = await previewPixels(page);
  await expect.poll(() => previewPixels(page), { timeout: 20_000 }).not.toBe(frame);
  await expectTopThree(job);
  await page.getByTestId('try-camera').click();
  await expect(page.getByTestId('try-video')).toHaveCount(0);

  // the exported zip, loaded back, answers as the job it came from (finished: same weights)
  const download = page.waitForEvent('download');
  await page.getByTestId('download-model').click();
  const zipPath = await (await download).path();
  await page.getByTestId('try-model-file').setInputFiles({
    name: 'exported.zip',
    mimeType: 'application/zip',
    buffer: readFileSync(zipPath),
  });
  await expect(page.getByTestId('try-loaded-model')).toContainText(
    /exported\.zip \(resnet8 low-rank, exported at step \d+\), 10 classes/,
  );
  await page.getByTestId('try-image-file').setInputFiles({
    name: 'stripes.png',
    mimeType: 'image/png',
    buffer: png,
  });
  const loaded = page.getByTestId('try-answer-loaded');
  await expect(loaded.locator('figcaption')).toContainText('exported.zip (resnet8 low-rank');
  const fromZip = await expectTopThree(loaded);
  fromZip.forEach((p, i) => expect(p).toBeCloseTo(chosen[i], 3));
  const names = (card: Locator) => card.locator('.try-name').allTextContents();
  expect(await names(loaded)).toEqual(await names(job));

  // the README's plain TF.js code runs the same zip on the same image
  const zip = readFileSync(zipPath);
  const top3 = await runReadmeSnippet(await page.context().newPage(), zip, png);
  const classNames = JSON.parse(Buffer.from(unzipSync(zip)['labels.json']).toString()).classNames;
  expect(top3).toHaveLength(3);
  expect(top3.map(([name]) => classNames.includes(name))).toEqual([true, true, true]);
  expect(top3.map(([, p]) => p)).toEqual(top3.map(([, p]) => p).sort((a, b) => b - a));
  console.log(`README code: ${JSON.stringify(top3)}; Try it: ${await names(loaded)} ${fromZip}`);

  await page.bringToFront();
  await page.getByTestId('try-camera').click();
  await expect(page.getByTestId('try-video')).toBeVisible();
  await page.waitForTimeout(1200);
  await panel.scrollIntoViewIfNeeded();
  await panel.screenshot({ path: 'test-results/try-it-panel.png' });
  await expect(page.getByTestId('try-error')).toHaveCount(0);
  await expect(page.getByTestId('error')).toHaveCount(0);
});
