// Shuffled mini-batches and CIFAR-style augmentation (docs/method.md, "Training recipe"): 4-pixel zero padding with
// a random crop and a random horizontal flip, then per-channel normalisation, all as tensor ops on
// the active backend. Only the gather of uint8 pixels into one upload buffer runs in JavaScript.
import * as tf from '@tensorflow/tfjs';
import { CHANNELS, type ChannelStats, type Split } from './dataset';
import { Random } from '../lowrank/random';

export const CROP_PADDING = 4;

/** Where an epoch stands; plain data, so a checkpoint can store it. */
export interface EpochCursor {
  epoch: number;
  /** index into `order` of the next example */
  position: number;
  order: Uint32Array;
  randomState: number;
}

/** Shuffles each epoch from a seeded generator and hands out index batches. */
export class EpochSampler {
  private random: Random;
  private cursor: EpochCursor;

  constructor(
    readonly count: number,
    seed: number,
    readonly shuffle = true,
  ) {
    this.random = new Random(seed);
    this.cursor = { epoch: 0, position: 0, order: this.newOrder(), randomState: this.random.state };
  }

  private newOrder(): Uint32Array {
    return this.shuffle
      ? this.random.permutation(this.count)
      : Uint32Array.from({ length: this.count }, (_, i) => i);
  }

  get epoch(): number {
    return this.cursor.epoch;
  }

  /** Index of the next example within the current epoch's order. */
  get position(): number {
    return this.cursor.position;
  }

  /** Steps in one epoch at this batch size (the last, short batch counts). */
  stepsPerEpoch(batchSize: number): number {
    return Math.ceil(this.count / batchSize);
  }

  /** The next batch of indices; the epoch counter moves on after the last (possibly short) one. */
  next(batchSize: number): { indices: Uint32Array; epoch: number; endOfEpoch: boolean } {
    const { order, position, epoch } = this.cursor;
    const indices = order.slice(position, position + batchSize);
    const endOfEpoch = position + indices.length >= this.count;
    if (endOfEpoch) {
      this.cursor = {
        epoch: epoch + 1,
        position: 0,
        order: this.newOrder(),
        randomState: this.random.state,
      };
    } else {
      this.cursor = { ...this.cursor, position: position + indices.length };
    }
    return { indices, epoch, endOfEpoch };
  }

  save(): EpochCursor {
    return { ...this.cursor, order: this.cursor.order.slice(), randomState: this.random.state };
  }

  restore(cursor: EpochCursor): void {
    if (cursor.order.length !== this.count)
      throw new Error('sampler: saved order is for another dataset size');
    this.cursor = { ...cursor, order: cursor.order.slice() };
    this.random.state = cursor.randomState;
  }
}

/** The images at `indices` as one float32 buffer on the 0-255 scale, and their labels. */
function gather(split: Split, indices: Uint32Array, imageBytes: number) {
  const pixels = new Float32Array(indices.length * imageBytes);
  const labels = new Int32Array(indices.length);
  indices.forEach((index, i) => {
    pixels.set(split.images.subarray(index * imageBytes, (index + 1) * imageBytes), i * imageBytes);
    labels[i] = split.labels[index];
  });
  return { pixels, labels };
}

/** Per-example crop offsets (0..2*padding) and flips. */
export interface Augmentation {
  offsetY: Int32Array;
  offsetX: Int32Array;
  flip: Uint8Array;
}

export function randomAugmentation(count: number, random: Random): Augmentation {
  const span = 2 * CROP_PADDING + 1;
  const augmentation = {
    offsetY: new Int32Array(count),
    offsetX: new Int32Array(count),
    flip: new Uint8Array(count),
  };
  for (let i = 0; i < count; i++) {
    augmentation.offsetY[i] = random.int(span);
    augmentation.offsetX[i] = random.int(span);
    augmentation.flip[i] = random.next() < 0.5 ? 1 : 0;
  }
  return augmentation;
}

/**
 * Pads x [N, H, W, C] by CROP_PADDING zeros, and takes from each example the H x W window at its
 * offset, mirrored where flip is set: one cropAndResize with nearest sampling does both (a box
 * whose x1 > x2 samples right to left).
 */
export function padCropFlip(x: tf.Tensor4D, augmentation: Augmentation): tf.Tensor4D {
  const [count, height, width] = x.shape;
  return tf.tidy(() => {
    const padded = tf.pad(x, [
      [0, 0],
      [CROP_PADDING, CROP_PADDING],
      [CROP_PADDING, CROP_PADDING],
      [0, 0],
    ]);
    const lastRow = height + 2 * CROP_PADDING - 1;
    const lastCol = width + 2 * CROP_PADDING - 1;
    const boxes = new Float32Array(count * 4);
    for (let i = 0; i < count; i++) {
      const top = augmentation.offsetY[i];
      const left = augmentation.offsetX[i];
      const right = left + width - 1;
      boxes[i * 4] = top / lastRow;
      boxes[i * 4 + 2] = (top + height - 1) / lastRow;
      boxes[i * 4 + 1] = (augmentation.flip[i] ? right : left) / lastCol;
      boxes[i * 4 + 3] = (augmentation.flip[i] ? left : right) / lastCol;
    }
    return tf.image.cropAndResize(
      padded,
      tf.tensor2d(boxes, [count, 4]),
      tf.range(0, count, 1, 'int32') as tf.Tensor1D,
      [height, width],
      'nearest',
    );
  });
}

export interface Batch {
  /** [N, H, W, 3], normalised */
  images: tf.Tensor4D;
  /** [N] int32 class indices */
  labels: tf.Tensor1D;
}

/**
 * Builds a batch of `indices`: pixels to [0, 1], zero padding + crop + flip when `augmentation`
 * is given, then (x - mean) / std per channel. The caller disposes the batch.
 */
export function makeBatch(
  split: Split,
  shape: { height: number; width: number },
  indices: Uint32Array,
  stats: ChannelStats,
  augmentation?: Augmentation,
): Batch {
  const imageBytes = shape.height * shape.width * CHANNELS;
  const { pixels, labels } = gather(split, indices, imageBytes);
  return tf.tidy(() => {
    let x = tf.div(
      tf.tensor4d(pixels, [indices.length, shape.height, shape.width, CHANNELS]),
      255,
    ) as tf.Tensor4D;
    if (augmentation) x = padCropFlip(x, augmentation);
    const normalised = tf.div(
      tf.sub(x, tf.tensor1d(stats.mean)),
      tf.tensor1d(stats.std),
    ) as tf.Tensor4D;
    return { images: normalised, labels: tf.tensor1d(labels, 'int32') };
  });
}
