import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode as encodeBmp } from 'fast-bmp';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { loadDatasetArgument } from './files';
import { decodeWithSharp } from './nodeImages';

/** An image of `width` x `height` in one colour, with `channels` channels, as `format`. */
async function solid(
  width: number,
  height: number,
  colour: number[],
  format: 'png' | 'jpeg' | 'webp' | 'gif',
): Promise<Uint8Array> {
  const channels = colour.length as 1 | 3 | 4;
  const pixels = new Uint8Array(width * height * channels);
  for (let i = 0; i < width * height; i++) pixels.set(colour, i * channels);
  return new Uint8Array(
    await sharp(pixels, { raw: { width, height, channels } }).toFormat(format).toBuffer(),
  );
}

const pixel = (rgb: Uint8Array, i = 0) => Array.from(rgb.subarray(3 * i, 3 * i + 3));
const near = (actual: number[], expected: number[], tolerance = 6) =>
  actual.forEach((value, c) =>
    expect(Math.abs(value - expected[c])).toBeLessThanOrEqual(tolerance),
  );

describe('decodeWithSharp', () => {
  it('reads PNG, JPEG, WebP, GIF and BMP to side x side RGB', async () => {
    for (const format of ['png', 'jpeg', 'webp', 'gif'] as const) {
      const rgb = await decodeWithSharp(await solid(40, 30, [200, 40, 10], format), 8);
      expect(rgb.length).toBe(8 * 8 * 3);
      near(pixel(rgb, 27), [200, 40, 10], format === 'gif' ? 12 : 6);
    }
    const bmp = encodeBmp({
      width: 4,
      height: 4,
      data: new Uint8Array(48).fill(0).map((_, i) => (i % 3 === 1 ? 255 : 0)),
      channels: 3,
      components: 3,
      bitsPerPixel: 24,
    });
    near(pixel(await decodeWithSharp(bmp, 8), 9), [0, 255, 0]);
  });

  it('spreads grey over three channels and puts transparency over black', async () => {
    near(pixel(await decodeWithSharp(await solid(10, 10, [90], 'png'), 4)), [90, 90, 90]);
    near(pixel(await decodeWithSharp(await solid(10, 10, [255, 0, 0, 0], 'png'), 4)), [0, 0, 0]);
  });

  it('crops the centre square of a wide image', async () => {
    // red | green | red, each a third of the width: the centre square is all green
    const width = 90;
    const pixels = new Uint8Array(width * 30 * 3);
    for (let y = 0; y < 30; y++)
      for (let x = 0; x < width; x++)
        pixels.set(x >= 30 && x < 60 ? [0, 255, 0] : [255, 0, 0], 3 * (y * width + x));
    const png = await sharp(pixels, { raw: { width, height: 30, channels: 3 } })
      .png()
      .toBuffer();
    const rgb = await decodeWithSharp(new Uint8Array(png), 8);
    for (const i of [0, 7, 56, 63]) near(pixel(rgb, i), [0, 255, 0], 20);
  });

  it('shrinks a 6000x4000 photo, and refuses bytes that are no image', async () => {
    const photo = await solid(6000, 4000, [10, 20, 200], 'jpeg');
    near(pixel(await decodeWithSharp(photo, 32), 500), [10, 20, 200]);
    await expect(decodeWithSharp(new TextEncoder().encode('not an image'), 8)).rejects.toThrow();
  });
});

describe('npm run experiment --data <a folder of class folders>', () => {
  it('loads a folder, with a test folder, skipping what is not an image', async () => {
    const root = mkdtempSync(join(tmpdir(), 'image-folder-'));
    for (const [split, count] of [
      ['train', 6],
      ['test', 2],
    ] as const)
      for (const [name, colour] of [
        ['red', [220, 0, 0]],
        ['blue', [0, 0, 220]],
      ] as const) {
        mkdirSync(join(root, split, name), { recursive: true });
        for (let i = 0; i < count; i++)
          writeFileSync(
            join(root, split, name, `${i}.png`),
            // each image its own shade: a test file identical to a training file is dropped
            await solid(
              12,
              12,
              colour.map((c) => (c ? c - i - (split === 'test' ? 10 : 0) : 0)),
              'png',
            ),
          );
      }
    writeFileSync(join(root, 'train', 'red', 'notes.txt'), 'hello');
    const dataset = await loadDatasetArgument(root, { imageSize: 8 });
    expect(dataset.kind).toBe('folder');
    expect(dataset.classNames).toEqual(['blue', 'red']);
    expect([dataset.train.count, dataset.test.count]).toEqual([12, 4]);
    expect(dataset.folder?.split).toEqual({ kind: 'folder', folder: 'test' });
    expect(dataset.folder?.skipped.examples[0].path).toBe('train/red/notes.txt');
    // each test image's pixels sit beside its label, whatever the split's order
    for (let n = 0; n < dataset.test.count; n++) {
      const red = dataset.test.images[n * 8 * 8 * 3];
      expect(dataset.classNames[dataset.test.labels[n]]).toBe(red > 100 ? 'red' : 'blue');
    }
  });
});
