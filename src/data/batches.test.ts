import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { EpochSampler, makeBatch, padCropFlip, randomAugmentation } from './batches';
import { channelStats, type Split } from './dataset';
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

describe('padCropFlip', () => {
  const x = tf.tensor4d(
    Array.from({ length: 2 * 4 * 4 }, (_, i) => i + 1),
    [2, 4, 4, 1],
  );

  it('offset (4, 4) without flip is the identity; (0, 0) shifts in zero padding', () => {
    const same = padCropFlip(x, {
      offsetY: Int32Array.of(4, 4),
      offsetX: Int32Array.of(4, 4),
      flip: Uint8Array.of(0, 0),
    });
    expect(Array.from(same.dataSync())).toEqual(Array.from(x.dataSync()));
    const shifted = padCropFlip(x, {
      offsetY: Int32Array.of(3, 4),
      offsetX: Int32Array.of(2, 4),
      flip: Uint8Array.of(0, 0),
    });
    // image 0 moved down 1 and right 2: first row zeros, row 1 = [0, 0, 1, 2]
    expect(Array.from(shifted.dataSync().slice(0, 8))).toEqual([0, 0, 0, 0, 0, 0, 1, 2]);
    tf.dispose([same, shifted]);
  });

  it('flips only the examples whose flag is set', () => {
    const flipped = padCropFlip(x, {
      offsetY: Int32Array.of(4, 4),
      offsetX: Int32Array.of(4, 4),
      flip: Uint8Array.of(1, 0),
    });
    const values = Array.from(flipped.dataSync());
    expect(values.slice(0, 4)).toEqual([4, 3, 2, 1]);
    expect(values.slice(16, 20)).toEqual([17, 18, 19, 20]);
    flipped.dispose();
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
