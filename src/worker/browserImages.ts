// The browser's side of image-folder sets, in the worker: its own codecs decode (JPEG, PNG, WebP,
// GIF's first frame, BMP; EXIF orientation applied) and a canvas crops and resizes, one bitmap
// per image, closed as soon as it is drawn.
import type { ImageDecoder } from '../data/imageFolder';
import type { LooseFile } from '../data/imageEntries';

/** Centre square of the image, drawn at side x side over black, as RGB bytes. */
export const decodeInBrowser: ImageDecoder = async (bytes, side) => {
  const bitmap = await createImageBitmap(new Blob([bytes as BlobPart]));
  try {
    const crop = Math.min(bitmap.width, bitmap.height);
    const canvas = new OffscreenCanvas(side, side);
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) throw new Error('this browser cannot draw images in a worker');
    context.fillStyle = '#000';
    context.fillRect(0, 0, side, side);
    context.imageSmoothingQuality = 'high';
    context.drawImage(
      bitmap,
      Math.floor((bitmap.width - crop) / 2),
      Math.floor((bitmap.height - crop) / 2),
      crop,
      crop,
      0,
      0,
      side,
      side,
    );
    const rgba = context.getImageData(0, 0, side, side).data;
    const rgb = new Uint8Array(side * side * 3);
    for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
      rgb[j] = rgba[i];
      rgb[j + 1] = rgba[i + 1];
      rgb[j + 2] = rgba[i + 2];
    }
    return rgb;
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
