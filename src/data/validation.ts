// A validation split held out of the training images: stratified (each class gives its share) and
// seeded, so defaults are chosen on it and the test set is read once per final run. The twin's
// batches.validation_split draws the same images from the same seed.
import { Random } from '../lowrank/random';
import { CHANNELS, type ImageDataset, type Split } from './dataset';

/**
 * The seed of the split itself: every run holds out the same images whatever its own seed, so
 * runs of different seeds and methods are compared on one validation set.
 */
export const VALIDATION_SPLIT_SEED = 0;

/** Keeps the held-out images apart from the seeds of the epoch order and the augmentation. */
const VALIDATION_SALT = 0x5eed_0a11;

/**
 * How many images each class gives: its share of `count` by its frequency, rounded down, the
 * rest one each to the classes with the largest remainders (ties to the lower class).
 */
export function classQuotas(labels: ArrayLike<number>, classes: number, count: number): number[] {
  const sizes = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) sizes[labels[i]]++;
  const exact = sizes.map((size) => (count * size) / labels.length);
  const quotas = exact.map(Math.floor);
  const order = exact
    .map((value, c) => ({ c, remainder: value - Math.floor(value) }))
    .sort((a, b) => b.remainder - a.remainder || a.c - b.c);
  for (let left = count - quotas.reduce((a, b) => a + b, 0), k = 0; left > 0; left--, k++)
    quotas[order[k % classes].c]++;
  return quotas;
}

/**
 * Indices of `count` training images to hold out (in the seeded order they were drawn), and of
 * the rest in their original order.
 */
export function validationIndices(
  labels: ArrayLike<number>,
  classes: number,
  count: number,
  seed: number,
): { validation: number[]; train: number[] } {
  if (!Number.isInteger(count) || count < 0 || count >= labels.length)
    throw new Error(
      `a validation split needs between 0 and ${labels.length - 1} of the ${labels.length} training images, got ${count}`,
    );
  const quotas = classQuotas(labels, classes, count);
  const held = new Uint8Array(labels.length);
  const validation: number[] = [];
  for (const i of new Random((seed ^ VALIDATION_SALT) >>> 0).permutation(labels.length)) {
    if (quotas[labels[i]] === 0) continue;
    quotas[labels[i]]--;
    held[i] = 1;
    validation.push(i);
  }
  const train: number[] = [];
  for (let i = 0; i < labels.length; i++) if (!held[i]) train.push(i);
  return { validation, train };
}

/** The images at `indices` of a split, as a split of their own. */
export function pickSplit(split: Split, indices: readonly number[], imageBytes: number): Split {
  const images = new Uint8Array(indices.length * imageBytes);
  const labels = new Uint8Array(indices.length);
  indices.forEach((from, to) => {
    images.set(split.images.subarray(from * imageBytes, (from + 1) * imageBytes), to * imageBytes);
    labels[to] = split.labels[from];
  });
  return { images, labels, count: indices.length };
}

/** A split's images divided into training and validation splits (see validationIndices). */
export function holdOut(
  split: Split,
  classes: number,
  count: number,
  seed: number,
  size: number,
): { train: Split; validation: Split } {
  const imageBytes = size * size * CHANNELS;
  const { validation, train } = validationIndices(split.labels, classes, count, seed);
  return {
    train: pickSplit(split, train, imageBytes),
    validation: pickSplit(split, validation, imageBytes),
  };
}

/**
 * What a run sees when `count` training images are held out: a dataset whose test split is the
 * validation split (evaluated every epoch, where choices are made), and the real test split,
 * kept apart to be read once when the run ends.
 */
export function withValidation(
  dataset: ImageDataset,
  count: number,
): { dataset: ImageDataset; test: Split } {
  const { train, validation } = holdOut(
    dataset.train,
    dataset.classNames.length,
    count,
    VALIDATION_SPLIT_SEED,
    dataset.height,
  );
  return { dataset: { ...dataset, train, test: validation }, test: dataset.test };
}
