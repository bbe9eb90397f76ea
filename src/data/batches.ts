// Shuffled mini-batches and CIFAR-style augmentation (docs/method.md, "Training recipe"): 4-pixel zero padding with
// a random crop and a random horizontal flip, then per-channel normalisation, in one JavaScript
// pass over the uint8 pixels and one upload to the backend.
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

export interface Batch {
  /** [N, H, W, 3], normalised */
  images: tf.Tensor4D;
  /** [N] int32 class indices */
  labels: tf.Tensor1D;
}

/**
 * The normalised value of every byte, per channel: ((v / 255) - mean) / std, rounded to float32
 * after each operation, exactly as the float32 tensor ops (division, subtraction, division)
 * would give it.
 */
function normalisedBytes(stats: ChannelStats): Float32Array {
  const table = new Float32Array(CHANNELS * 256);
  for (let c = 0; c < CHANNELS; c++) {
    const [mean, std] = [Math.fround(stats.mean[c]), Math.fround(stats.std[c])];
    for (let v = 0; v < 256; v++) {
      table[c * 256 + v] = Math.fround(Math.fround(Math.fround(v / 255) - mean) / std);
    }
  }
  return table;
}

/**
 * Builds a batch of `indices`: pixels to [0, 1], zero padding + crop + flip when `augmentation`
 * is given, then (x - mean) / std per channel. One pass in JavaScript through a table of the
 * 256 normalised byte values per channel (a padded pixel is byte 0), then one upload, where
 * five tensor ops would each pass over the batch. The caller disposes the batch.
 */
export function makeBatch(
  split: Split,
  shape: { height: number; width: number },
  indices: Uint32Array,
  stats: ChannelStats,
  augmentation?: Augmentation,
): Batch {
  const { height, width } = shape;
  const imageBytes = height * width * CHANNELS;
  const table = normalisedBytes(stats);
  const pixels = new Float32Array(indices.length * imageBytes);
  const labels = new Int32Array(indices.length);
  let to = 0;
  indices.forEach((index, i) => {
    labels[i] = split.labels[index];
    const image = split.images.subarray(index * imageBytes, (index + 1) * imageBytes);
    // the crop's top-left corner in the image (negative inside the padding), and its direction
    const top = augmentation ? augmentation.offsetY[i] - CROP_PADDING : 0;
    const left = augmentation ? augmentation.offsetX[i] - CROP_PADDING : 0;
    const flip = augmentation ? augmentation.flip[i] === 1 : false;
    for (let y = 0; y < height; y++) {
      const row = y + top;
      for (let x = 0; x < width; x++) {
        const column = flip ? left + width - 1 - x : left + x;
        const inside = row >= 0 && row < height && column >= 0 && column < width;
        const from = (row * width + column) * CHANNELS;
        for (let c = 0; c < CHANNELS; c++) {
          pixels[to++] = table[c * 256 + (inside ? image[from + c] : 0)];
        }
      }
    }
  });
  return {
    images: tf.tensor4d(pixels, [indices.length, height, width, CHANNELS]),
    labels: tf.tensor1d(labels, 'int32'),
  };
}
