import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { encode as encodeBmp } from 'fast-bmp';
import { zipSync } from 'fflate';
import sharp from 'sharp';
import { Studio } from './studio';

const CLASSES = { 'red apples': [220, 30, 30], 'grüne Blätter': [30, 200, 40], 空: [40, 60, 230] };
const FORMATS = ['png', 'jpeg', 'webp', 'gif', 'bmp'] as const;

/** A 24 x 16 image of one colour with a stripe, in `format` (BMP written by fast-bmp). */
async function image(colour: number[], shade: number, format: (typeof FORMATS)[number]) {
  const [width, height] = [24, 16];
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++)
    rgb.set(
      colour.map((c) => Math.max(0, c - shade)),
      3 * i,
    );
  if (format === 'bmp')
    return encodeBmp({ width, height, data: rgb, channels: 3, components: 3, bitsPerPixel: 24 });
  const raw = { raw: { width, height, channels: 3 as const } };
  return new Uint8Array(await sharp(rgb, raw).toFormat(format).toBuffer());
}

/** Three classes of `perClass` images in every format, a readme and one corrupt JPEG. */
async function imageSet(perClass: number): Promise<Record<string, Uint8Array>> {
  const files: Record<string, Uint8Array> = {
    'my photos/README.txt': new TextEncoder().encode('three classes'),
    'my photos/red apples/broken.jpg': new TextEncoder().encode('not really a JPEG'),
  };
  for (const [name, colour] of Object.entries(CLASSES))
    for (let i = 0; i < perClass; i++) {
      const format = FORMATS[i % FORMATS.length];
      const extension = format === 'jpeg' ? 'jpg' : format;
      files[`my photos/${name}/${i}.${extension}`] = await image(colour, i, format);
    }
  return files;
}

test('a zip of class folders loads, says what it skipped, and trains', async ({ page }) => {
  test.setTimeout(180_000);
  const studio = new Studio(page);
  await studio.open('?preset=classroom&epochs=2&batchSize=8&backend=wasm');
  await page.getByTestId('dataset-select').selectOption('folder');
  await page.getByTestId('image-folder-archive').setInputFiles({
    name: 'my photos.zip',
    mimeType: 'application/zip',
    buffer: Buffer.from(zipSync(await imageSet(10))),
  });
  const summary = page.getByTestId('dataset-summary');
  await expect(summary).toContainText('my photos.zip (image folders)', { timeout: 60_000 });
  await expect(summary).toContainText('24 training and 6 test images, 32x32, 3 classes');
  await expect(page.getByTestId('dataset-folder')).toContainText(
    'Test images: 20% of each class, drawn with seed 0.',
  );
  await expect(page.getByTestId('dataset-folder-notice')).toContainText(
    'my photos/red apples/broken.jpg: could not be decoded',
  );
  await expect(page.getByTestId('dataset-folder-notice')).toContainText(
    'my photos/README.txt: not inside a class folder',
  );
  await summary.locator('summary').click();
  await expect(summary).toContainText('grüne Blätter');
  await expect(summary).toContainText('空');
  await page.getByTestId('start').click();
  await studio.waitForSteps(3);
  await expect(page.getByTestId('error')).toHaveCount(0);
  await expect(page.getByTestId('recipe-command')).toContainText("--data 'my photos.zip'");

  // Try it on a picture of one of the classes: the answers name the folders' classes
  await page.getByTestId('try-image-file').setInputFiles({
    name: 'leaf.png',
    mimeType: 'image/png',
    buffer: Buffer.from(await image(CLASSES['grüne Blätter'], 3, 'png')),
  });
  const answer = page.getByTestId('try-answer-job');
  await expect(answer).toContainText(/red apples|grüne Blätter|空/);
  await expect(answer).not.toContainText('class 0');
});

test('a picked folder with train and test folders loads', async ({ page }) => {
  const root = mkdtempSync(join(tmpdir(), 'studio-images-'));
  const set = await imageSet(6);
  for (const [path, bytes] of Object.entries(set)) {
    const [, name, file] = path.split('/');
    if (!file) continue;
    const split = Number.parseInt(file, 10) < 4 ? 'train' : 'test';
    mkdirSync(join(root, 'photos', split, name), { recursive: true });
    writeFileSync(join(root, 'photos', split, name, file), bytes);
  }
  const studio = new Studio(page);
  await studio.open();
  await page.getByTestId('dataset-select').selectOption('folder');
  await page.getByTestId('image-folder-side').selectOption('16');
  await page.getByTestId('image-folder-picker').setInputFiles(join(root, 'photos'));
  const summary = page.getByTestId('dataset-summary');
  await expect(summary).toContainText('photos (image folders)', { timeout: 60_000 });
  await expect(summary).toContainText('12 training and 6 test images, 16x16, 3 classes');
  await expect(page.getByTestId('dataset-folder')).toContainText('Test images: the test/ folder.');
});

test('a load can be cancelled, and the dataset before it stays', async ({ page }) => {
  test.setTimeout(180_000);
  const studio = new Studio(page);
  await studio.open();
  await page.getByTestId('dataset-select').selectOption('folder');
  await page.getByTestId('image-folder-archive').setInputFiles({
    name: 'many.zip',
    mimeType: 'application/zip',
    buffer: Buffer.from(zipSync(await imageSet(600))),
  });
  await expect(page.getByTestId('dataset-progress')).toBeVisible();
  await page.getByTestId('dataset-cancel').click();
  await expect(page.getByTestId('dataset-progress')).toHaveCount(0);
  await expect(page.getByTestId('dataset-summary')).toContainText('Built-in shapes');
  // the cancelled load does not come back later
  await page.waitForTimeout(3000);
  await expect(page.getByTestId('dataset-summary')).toContainText('Built-in shapes');
  await expect(page.getByTestId('error')).toHaveCount(0);
});

test('every set that cannot be read or trained is refused with its reason, and the set before stays', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const studio = new Studio(page);
  await studio.open();
  await page.getByTestId('dataset-select').selectOption('folder');
  const set = await imageSet(6);
  const few = Object.fromEntries(Object.entries(set).filter(([path]) => !/\/[3-9]\./.test(path)));
  const whole = zipSync(set);
  // a set that plans well, one of whose files expands to 300 MB
  const bomb = zipSync({ ...set, 'my photos/空/huge.png': new Uint8Array(300 * 2 ** 20) });
  const cases: [string, Uint8Array, string][] = [
    ['few.zip', zipSync(few), 'has 3 images'],
    [
      'flat.zip',
      zipSync({ 'a.png': set['my photos/空/0.png'], 'b.png': set['my photos/空/1.jpg'] }),
      'found no images in class folders',
    ],
    ['cut.zip', whole.slice(0, whole.length >> 1), 'cut.zip: the zip ends early'],
    [
      'notes.zip',
      new TextEncoder().encode('just some text'),
      'notes.zip: is not a .zip, .tar or .tar.gz archive',
    ],
    ['bomb.zip', bomb, 'expands past 256 MB'],
  ];
  for (const [name, bytes, message] of cases) {
    await page.getByTestId('image-folder-archive').setInputFiles({
      name,
      mimeType: 'application/zip',
      buffer: Buffer.from(bytes),
    });
    await expect(page.getByTestId('error')).toContainText(message);
    await expect(page.getByTestId('dataset-summary')).toContainText('Built-in shapes');
  }
  // still usable: a good set loads after them
  await page.getByTestId('image-folder-archive').setInputFiles({
    name: 'good.zip',
    mimeType: 'application/zip',
    buffer: Buffer.from(whole),
  });
  await expect(page.getByTestId('dataset-summary')).toContainText('good.zip (image folders)');
});

test('a set that cannot train gets a clear message', async ({ page }) => {
  const studio = new Studio(page);
  await studio.open();
  await page.getByTestId('dataset-select').selectOption('folder');
  const set = await imageSet(10);
  const oneClass = Object.fromEntries(Object.entries(set).filter(([path]) => path.includes('空')));
  await page.getByTestId('image-folder-archive').setInputFiles({
    name: 'one.zip',
    mimeType: 'application/zip',
    buffer: Buffer.from(zipSync(oneClass)),
  });
  await expect(page.getByTestId('error')).toContainText(
    'found one class folder (空): a classifier needs at least two classes',
  );
  await expect(page.getByTestId('dataset-summary')).toContainText('Built-in shapes');
});
