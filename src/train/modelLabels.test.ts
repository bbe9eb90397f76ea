import { describe, expect, it } from 'vitest';
import { LABELS_FORMAT, modelLabels, parseModelLabels, unnamedLabels } from './modelLabels';

const labels = modelLabels({
  classNames: ['cat', 'dog'],
  inputSize: 16,
  imageSide: 32,
  stats: { mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] },
  model: { architecture: 'resnet8', mode: 'lowrank', step: 40, dataset: 'pets' },
});

describe('labels.json', () => {
  it('says what the model classifies and how to feed it: [0, 1], normalised inside', () => {
    expect(labels).toMatchObject({
      format: LABELS_FORMAT,
      version: 1,
      classNames: ['cat', 'dog'],
      inputSize: 16,
      imageSide: 32,
      input: { layout: 'NHWC', channels: 'RGB', range: [0, 1] },
      normalisation: { inModel: true, mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] },
      output: 'logits',
      model: { architecture: 'resnet8', mode: 'lowrank', step: 40, dataset: 'pets' },
    });
    expect(labels.input.preparation).toContain('centre square');
  });

  it('reads back what it wrote, through JSON', () => {
    expect(parseModelLabels(JSON.parse(JSON.stringify(labels)))).toEqual(labels);
  });

  it('takes the input size for a missing image side', () => {
    const withoutSide: Partial<typeof labels> = { ...labels };
    delete withoutSide.imageSide;
    expect(parseModelLabels(withoutSide).imageSide).toBe(16);
  });

  it('refuses what is not the studio’s labels, saying what is wrong', () => {
    expect(() => parseModelLabels({ classNames: [] })).toThrow(/format should be/);
    expect(() => parseModelLabels({ ...labels, classNames: 'cat' })).toThrow(/classNames/);
    expect(() => parseModelLabels({ ...labels, inputSize: 0 })).toThrow(/inputSize/);
  });

  it('numbers the classes of a model exported without labels', () => {
    expect(unnamedLabels(3, 8)).toMatchObject({
      classNames: ['class 0', 'class 1', 'class 2'],
      inputSize: 8,
      imageSide: 8,
    });
  });
});
