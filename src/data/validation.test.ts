import { describe, expect, it } from 'vitest';
import type { ImageDataset } from './dataset';
import {
  classQuotas,
  holdOut,
  validationIndices,
  VALIDATION_SPLIT_SEED,
  withValidation,
} from './validation';

const labels = Uint8Array.from({ length: 103 }, (_, i) => (i < 53 ? 0 : i < 83 ? 1 : 2));

describe('the validation split', () => {
  it('gives each class its share, the remainder to the largest fractions', () => {
    // exact shares of 10: 5.15, 2.91, 1.94
    expect(classQuotas(labels, 3, 10)).toEqual([5, 3, 2]);
    expect(classQuotas(labels, 3, 0)).toEqual([0, 0, 0]);
    expect(classQuotas(labels, 4, 10)).toEqual([5, 3, 2, 0]);
  });

  it('holds out exactly that many per class, the same for a seed, others for another', () => {
    const { validation, train } = validationIndices(labels, 3, 10, 1);
    expect(validation).toHaveLength(10);
    expect(train).toHaveLength(93);
    expect(new Set([...validation, ...train]).size).toBe(103);
    expect(train).toEqual([...train].sort((a, b) => a - b));
    const perClass = [0, 1, 2].map((c) => validation.filter((i) => labels[i] === c).length);
    expect(perClass).toEqual([5, 3, 2]);
    expect(validationIndices(labels, 3, 10, 1).validation).toEqual(validation);
    expect(validationIndices(labels, 3, 10, 2).validation).not.toEqual(validation);
  });

  it('pins the images it draws (the twin draws the same: python/tests)', () => {
    expect(validationIndices(labels, 3, 6, 7).validation).toEqual(PINNED);
  });

  it('refuses to hold out every image, or a negative count', () => {
    expect(() => validationIndices(labels, 3, 103, 1)).toThrow(/between 0 and 102/);
    expect(() => validationIndices(labels, 3, -1, 1)).toThrow(/got -1/);
  });

  it('splits the pixels with their labels', () => {
    const images = Uint8Array.from({ length: 103 * 2 * 2 * 3 }, (_, i) => Math.floor(i / 12));
    const { train, validation } = holdOut({ images, labels, count: 103 }, 3, 10, 1, 2);
    expect(train.count + validation.count).toBe(103);
    const first = validationIndices(labels, 3, 10, 1).validation[0];
    expect(validation.images[0]).toBe(first);
    expect(validation.labels[0]).toBe(labels[first]);
  });

  it('gives a run the validation split as its test split and keeps the test set apart', () => {
    const images = Uint8Array.from({ length: 103 * 3 }, (_, i) => Math.floor(i / 3));
    const test = { images: images.slice(0, 21), labels: labels.slice(0, 7), count: 7 };
    const dataset: ImageDataset = {
      kind: 'cifar10',
      name: 'CIFAR-10',
      classNames: ['a', 'b', 'c'],
      height: 1,
      width: 1,
      train: { images, labels, count: 103 },
      test,
    };
    const held = withValidation(dataset, 10);
    expect(held.test).toBe(test);
    expect(held.dataset.train.count).toBe(93);
    expect(held.dataset.test.count).toBe(10);
    const drawn = validationIndices(labels, 3, 10, VALIDATION_SPLIT_SEED).validation;
    expect([...held.dataset.test.images].filter((_, i) => i % 3 === 0)).toEqual(drawn);
    const trained = new Set([...held.dataset.train.images]);
    expect(drawn.some((i) => trained.has(i))).toBe(false);
  });
});

const PINNED = [69, 78, 5, 92, 29, 47];
