// Node's side of image-folder sets: sharp (libvips) decodes JPEG, PNG, WebP and GIF, fast-bmp the
// BMPs libvips does not read, and sharp crops and resizes both. Folders on disk are listed
// recursively and read on demand.
import { readFile, readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { decode as decodeBmp } from 'fast-bmp';
import sharp, { type Sharp } from 'sharp';
import type { ImageDecoder } from '../../src/data/imageFolder';
import { looseEntries, type ImageEntries } from '../../src/data/imageEntries';

const isBmp = (bytes: Uint8Array) => bytes[0] === 0x42 && bytes[1] === 0x4d;

/** sharp's input for `bytes`: BMP decoded to raw pixels first. */
function imageInput(bytes: Uint8Array): Sharp {
  if (!isBmp(bytes)) return sharp(bytes, { pages: 1, limitInputPixels: 2 ** 28 }).rotate();
  const bmp = decodeBmp(bytes);
  if (bmp.channels !== 1 && bmp.channels !== 3 && bmp.channels !== 4)
    throw new Error(`a BMP of ${bmp.channels} channels`);
  const pixels = bmp.data as Uint8Array;
  const data = bmp.bitsPerPixel === 1 ? pixels.map((v) => v * 255) : pixels;
  return sharp(data, {
    raw: { width: bmp.width, height: bmp.height, channels: bmp.channels as 1 | 3 | 4 },
  });
}

/** Centre-cropped to a square, resized, alpha over black, as RGB bytes. */
export const decodeWithSharp: ImageDecoder = async (bytes, side) => {
  const { data, info } = await imageInput(bytes)
    .resize(side, side, { fit: 'cover', position: 'centre' })
    .flatten({ background: '#000000' })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels === 3) return new Uint8Array(data);
  // grey stays one channel through libvips: spread it over three
  const rgb = new Uint8Array(side * side * 3);
  for (let i = 0; i < side * side; i++) rgb.fill(data[i * info.channels], 3 * i, 3 * i + 3);
  return rgb;
};

/** Every file under `folder` (recursively), by its path relative to it. */
export async function folderEntries(folder: string): Promise<ImageEntries> {
  const listed = await readdir(folder, { recursive: true, withFileTypes: true });
  const files = listed
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const full = join(entry.parentPath, entry.name);
      return {
        path: relative(folder, full).split(sep).join('/'),
        read: async () => new Uint8Array(await readFile(full)),
      };
    });
  const name =
    folder
      .replace(/[\\/]+$/, '')
      .split(/[\\/]/)
      .pop() ?? folder;
  return looseEntries(name, files);
}
