// Fitting a dataset to a model's input: the first K examples of a split, and a one-off resize in
// JavaScript (no GPU read-back) to the model's input size.
import { CHANNELS, type Split } from './dataset';

/** The first `limit` examples of a split (all of them without a limit). */
export function limitSplit(split: Split, limit: number | undefined, imageBytes: number): Split {
  if (!limit || limit >= split.count) return split;
  return {
    images: split.images.subarray(0, limit * imageBytes),
    labels: split.labels.subarray(0, limit),
    count: limit,
  };
}

/**
 * Resizes images to the model's input size once, in JavaScript (no GPU read-back): bilinear with
 * half-pixel centres, which for a 2x reduction is the 2x2 average.
 */
export function resizeSplit(split: Split, from: number, to: number): Split {
  if (from === to) return split;
  const images = new Uint8Array(split.count * to * to * CHANNELS);
  const scale = from / to;
  const source = (i: number) => Math.min(from - 1, Math.max(0, (i + 0.5) * scale - 0.5));
  const taps = Array.from({ length: to }, (_, i) => {
    const position = source(i);
    const low = Math.floor(position);
    return { low, high: Math.min(from - 1, low + 1), weight: position - low };
  });
  for (let n = 0; n < split.count; n++) {
    const base = n * from * from * CHANNELS;
    const out = n * to * to * CHANNELS;
    for (let y = 0; y < to; y++) {
      const ty = taps[y];
      for (let x = 0; x < to; x++) {
        const tx = taps[x];
        for (let c = 0; c < CHANNELS; c++) {
          const at = (row: number, col: number) =>
            split.images[base + (row * from + col) * CHANNELS + c];
          const top = at(ty.low, tx.low) * (1 - tx.weight) + at(ty.low, tx.high) * tx.weight;
          const bottom = at(ty.high, tx.low) * (1 - tx.weight) + at(ty.high, tx.high) * tx.weight;
          images[out + (y * to + x) * CHANNELS + c] = Math.round(
            top * (1 - ty.weight) + bottom * ty.weight,
          );
        }
      }
    }
  }
  return { images, labels: split.labels, count: split.count };
}
