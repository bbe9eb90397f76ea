import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import '@tensorflow/tfjs-backend-wasm';
import {
  CROP_PADDING,
  EpochSampler,
  makeBatch,
  randomAugmentation,
  type Augmentation,
} from './batches';
import { registerWasmTrainingKernels } from '../kernels/wasmTraining';
import { channelStats, type ChannelStats, type Split } from './dataset';
import { Random } from '../lowrank/random';

/** 4x4 images whose pixel value encodes (image, row, col, channel). */
function tinySplit(count: number): Split {
  const images = new Uint8Array(count * 4 * 4 * 3);
  images.forEach((_, i) => (images[i] = (i * 7) % 256));
  return { images, labels: Uint8Array.from({ length: count }, (_, i) => i % 10), count };
}

describe('EpochSampler', () => {
  it('visits every example once per epoch in a seeded, epoch-specific order', () => {
    const sampler = new EpochSampler(10, 42);
    const epochs: number[][] = [[], []];
    for (let step = 0; step < 8; step++) {
      const { indices, epoch } = sampler.next(3);
      epochs[epoch].push(...indices);
    }
    expect([...epochs[0]].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(epochs[0]).not.toEqual(epochs[1].slice(0, 10));
    const again = new EpochSampler(10, 42);
    expect(Array.from(again.next(10).indices)).toEqual(epochs[0]);
    expect(sampler.stepsPerEpoch(3)).toBe(4);
  });

  it('restores a saved cursor and continues identically', () => {
    const sampler = new EpochSampler(7, 3);
    sampler.next(4);
    const saved = sampler.save();
    const expected = [sampler.next(4), sampler.next(4), sampler.next(4)].map((b) =>
      Array.from(b.indices),
    );
    const copy = new EpochSampler(7, 999);
    copy.restore(saved);
    expect([copy.next(4), copy.next(4), copy.next(4)].map((b) => Array.from(b.indices))).toEqual(
      expected,
    );
  });
});

/**
 * The batch as tensor ops (how makeBatch built it before its single JavaScript pass): pixels to
 * [0, 1], zero padding, a nearest-neighbour cropAndResize whose box runs right to left for a
 * flip, then (x - mean) / std.
 */
function tensorOpsBatch(
  split: Split,
  size: number,
  indices: Uint32Array,
  stats: ChannelStats,
  augmentation?: Augmentation,
): Float32Array {
  return tf.tidy(() => {
    const bytes = size * size * 3;
    const pixels = new Float32Array(indices.length * bytes);
    indices.forEach((index, i) =>
      pixels.set(split.images.subarray(index * bytes, (index + 1) * bytes), i * bytes),
    );
    let x = tf.div(tf.tensor4d(pixels, [indices.length, size, size, 3]), 255) as tf.Tensor4D;
    if (augmentation) {
      const padded = tf.pad(x, [
        [0, 0],
        [CROP_PADDING, CROP_PADDING],
        [CROP_PADDING, CROP_PADDING],
        [0, 0],
      ]);
      const last = size + 2 * CROP_PADDING - 1;
      const boxes = new Float32Array(indices.length * 4);
      indices.forEach((_, i) => {
        const [top, left] = [augmentation.offsetY[i], augmentation.offsetX[i]];
        const right = left + size - 1;
        boxes.set(
          augmentation.flip[i]
            ? [top / last, right / last, (top + size - 1) / last, left / last]
            : [top / last, left / last, (top + size - 1) / last, right / last],
          i * 4,
        );
      });
      const boxIndices = tf.range(0, indices.length, 1, 'int32') as tf.Tensor1D;
      x = tf.image.cropAndResize(
        padded,
        tf.tensor2d(boxes, [indices.length, 4]),
        boxIndices,
        [size, size],
        'nearest',
      );
    }
    return tf
      .div(tf.sub(x, tf.tensor1d(stats.mean)), tf.tensor1d(stats.std))
      .dataSync() as Float32Array;
  });
}

describe('makeBatch: one JavaScript pass', () => {
  // The reference runs on the cpu backend: on wasm, TF.js's CropAndResize ('nearest') ignores a
  // box's left edge unless the box is flipped, so before this pass every unflipped training image
  // on wasm was cropped at the padding's left edge (4 px of zeros on its left, no random shift).
  it.each(['cpu', 'wasm'])(
    "gives the tensor ops' values (on cpu) bit for bit, augmented or not, on %s",
    async (backend) => {
      await tf.setBackend('cpu');
      const count = 24;
      const split: Split = {
        images: Uint8Array.from({ length: count * 8 * 8 * 3 }, (_, i) => (i * 37 + (i >> 5)) % 256),
        labels: Uint8Array.from({ length: count }, (_, i) => i % 10),
        count,
      };
      split.images.fill(0, 0, 64);
      split.images.fill(255, 64, 128);
      const stats = channelStats(split);
      const indices = Uint32Array.from({ length: 20 }, (_, i) => (i * 7) % count);
      const augmentation = randomAugmentation(indices.length, new Random(3));
      // corners and flips with and without offsets, whatever the generator drew
      augmentation.offsetY.set([0, 8, 4, 0, 8]);
      augmentation.offsetX.set([0, 8, 4, 8, 0]);
      augmentation.flip.set([1, 1, 0, 0, 1]);
      const cases = [undefined, augmentation];
      const expected = cases.map((aug) => tensorOpsBatch(split, 8, indices, stats, aug));
      if (backend === 'wasm') registerWasmTrainingKernels();
      await tf.setBackend(backend);
      cases.forEach((aug, i) => {
        const batch = makeBatch(split, { height: 8, width: 8 }, indices, stats, aug);
        expect(batch.images.dataSync()).toEqual(expected[i]);
        tf.dispose([batch.images, batch.labels]);
      });
      await tf.setBackend('cpu');
    },
  );

  it('shifts in zero padding and flips only the flagged examples', () => {
    const split = tinySplit(2);
    const stats = { mean: [0, 0, 0], std: [1, 1, 1] } as ChannelStats;
    const batch = makeBatch(split, { height: 4, width: 4 }, Uint32Array.of(0, 1), stats, {
      offsetY: Int32Array.of(3, 4),
      offsetX: Int32Array.of(2, 4),
      flip: Uint8Array.of(0, 1),
    });
    const values = batch.images.dataSync();
    const byte = (image: number, row: number, column: number) =>
      Math.fround(split.images[((image * 4 + row) * 4 + column) * 3] / 255);
    // image 0 moved down 1 and right 2: its first row is padding, row 1 starts with two zeros
    expect(values[0]).toBe(0);
    expect(values[(1 * 4 + 2) * 3]).toBe(byte(0, 0, 0));
    // image 1 mirrored in place
    expect(values[48]).toBe(byte(1, 0, 3));
    expect(values[48 + 3 * 3]).toBe(byte(1, 0, 0));
    tf.dispose([batch.images, batch.labels]);
  });
});

describe('makeBatch', () => {
  it('normalises per channel and leaves test batches unaugmented', () => {
    const split = tinySplit(6);
    const stats = channelStats(split);
    const batch = makeBatch(split, { height: 4, width: 4 }, Uint32Array.of(5, 0), stats);
    expect(batch.images.shape).toEqual([2, 4, 4, 3]);
    expect(Array.from(batch.labels.dataSync())).toEqual([5, 0]);
    const first = batch.images.dataSync()[0];
    expect(first).toBeCloseTo((split.images[5 * 48] / 255 - stats.mean[0]) / stats.std[0], 5);
    const whole = makeBatch(
      split,
      { height: 4, width: 4 },
      Uint32Array.of(0, 1, 2, 3, 4, 5),
      stats,
    );
    const mean = tf.tidy(() => Array.from(tf.mean(whole.images, [0, 1, 2]).dataSync()));
    mean.forEach((m) => expect(Math.abs(m)).toBeLessThan(1e-4));
    tf.dispose([batch.images, batch.labels, whole.images, whole.labels]);
  });

  it('random augmentation is reproducible from the seed and keeps the tensor count flat', () => {
    const split = tinySplit(8);
    const stats = channelStats(split);
    const run = (seed: number) => {
      const random = new Random(seed);
      const batch = makeBatch(
        split,
        { height: 4, width: 4 },
        Uint32Array.of(0, 1, 2, 3),
        stats,
        randomAugmentation(4, random),
      );
      const values = Array.from(batch.images.dataSync());
      tf.dispose([batch.images, batch.labels]);
      return values;
    };
    const before = tf.memory().numTensors;
    expect(run(1)).toEqual(run(1));
    expect(run(1)).not.toEqual(run(2));
    expect(tf.memory().numTensors).toBe(before);
  });
});
