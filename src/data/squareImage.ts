// An image as the datasets store one: its centre square, drawn at side x side over black, as RGB
// bytes. One drawing for the image-folder loader (in the worker) and Try it (on the page, for
// files, pasted images and camera frames), so a photo tried on the model is prepared exactly as
// its training images were. TF.js-free: the page imports it.

/** The centre square of a width x height picture: its top-left corner and side, in pixels. */
export function centreSquare(
  width: number,
  height: number,
): { x: number; y: number; size: number } {
  const size = Math.min(width, height);
  return { x: Math.floor((width - size) / 2), y: Math.floor((height - size) / 2), size };
}

/** RGBA bytes to RGB bytes (the alpha is already composited over the black background). */
export function rgbOf(rgba: Uint8ClampedArray | Uint8Array): Uint8Array {
  const rgb = new Uint8Array((rgba.length / 4) * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    rgb[j] = rgba[i];
    rgb[j + 1] = rgba[i + 1];
    rgb[j + 2] = rgba[i + 2];
  }
  return rgb;
}

/**
 * The centre square of `source` (width x height pixels: a bitmap, an image, a video frame) drawn
 * at side x side over black with the browser's high-quality smoothing, as RGB bytes.
 */
export function squarePixels(
  source: CanvasImageSource,
  width: number,
  height: number,
  side: number,
): Uint8Array {
  if (!(width > 0 && height > 0)) throw new Error('the image has no pixels');
  const { x, y, size } = centreSquare(width, height);
  const canvas = new OffscreenCanvas(side, side);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new Error('this browser cannot draw images off screen');
  context.fillStyle = '#000';
  context.fillRect(0, 0, side, side);
  context.imageSmoothingQuality = 'high';
  context.drawImage(source, x, y, size, size, 0, 0, side, side);
  return rgbOf(context.getImageData(0, 0, side, side).data);
}
