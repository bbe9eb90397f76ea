// The browser's side of image-folder sets, in the worker: its own codecs decode (JPEG, PNG, WebP,
// GIF's first frame, BMP; EXIF orientation applied) and a canvas crops and resizes
// (data/squareImage.ts, as Try it does on the page), one bitmap per image, closed once drawn.
import type { ImageDecoder } from '../data/imageFolder';
import type { LooseFile } from '../data/imageEntries';
import { squarePixels } from '../data/squareImage';

/** Centre square of the image, drawn at side x side over black, as RGB bytes. */
export const decodeInBrowser: ImageDecoder = async (bytes, side) => {
  const bitmap = await createImageBitmap(new Blob([bytes as BlobPart]));
  try {
    return squarePixels(bitmap, bitmap.width, bitmap.height, side);
  } finally {
    bitmap.close();
  }
};

/** Picked or dropped files with their paths, read when wanted. */
export function pickedFiles(files: readonly { path: string; file: File }[]): LooseFile[] {
  return files.map(({ path, file }) => ({
    path,
    read: async () => new Uint8Array(await file.arrayBuffer()),
  }));
}
