// labels.json: what a user needs to run an exported model outside the studio (its classes, its
// input, how an image is prepared for it), written beside model.json in the zip and kept in
// model.json's userDefinedMetadata; Try it reads it back. TF.js-free.
import type { ChannelStats } from '../data/dataset';

export const LABELS_FORMAT = 'lowrank-studio-labels';

/** How the studio turns a picture into a training image, and so how to prepare one to classify. */
export const IMAGE_PREPARATION =
  'centre square crop (transparency over black), resized to imageSide then to inputSize x inputSize (bilinear), RGB bytes divided by 255';

export interface ModelLabels {
  format: typeof LABELS_FORMAT;
  version: 1;
  /** one per model output, in output order */
  classNames: string[];
  /** the model takes [N, inputSize, inputSize, 3] */
  inputSize: number;
  /** the side the training images were stored at, before the resize to inputSize */
  imageSide: number;
  input: {
    layout: 'NHWC';
    channels: 'RGB';
    /** pixel values as the model takes them */
    range: [0, 1];
    preparation: string;
  };
  /**
   * (x - mean) / std per channel on the [0, 1] scale, the training set's statistics: the model's
   * first layer applies it, so images go in as they are in [0, 1].
   */
  normalisation: { inModel: true; mean: number[]; std: number[] };
  /** one logit per class: softmax gives probabilities */
  output: 'logits';
  model: { architecture: string; mode: string; step: number; dataset: string };
}

export interface LabelsSource {
  classNames: readonly string[];
  inputSize: number;
  imageSide: number;
  stats: ChannelStats;
  model: ModelLabels['model'];
}

export function modelLabels({
  classNames,
  inputSize,
  imageSide,
  stats,
  model,
}: LabelsSource): ModelLabels {
  return {
    format: LABELS_FORMAT,
    version: 1,
    classNames: [...classNames],
    inputSize,
    imageSide,
    input: { layout: 'NHWC', channels: 'RGB', range: [0, 1], preparation: IMAGE_PREPARATION },
    normalisation: { inModel: true, mean: [...stats.mean], std: [...stats.std] },
    output: 'logits',
    model: { ...model },
  };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isSide = (value: unknown): value is number =>
  Number.isInteger(value) && (value as number) > 0 && (value as number) <= 4096;

/**
 * labels.json (or model.json's metadata) as ModelLabels: the fields Try it relies on are
 * checked, and a missing imageSide is the input size. Throws saying what is wrong.
 */
export function parseModelLabels(value: unknown): ModelLabels {
  if (!isObject(value) || value.format !== LABELS_FORMAT)
    throw new Error(`labels.json is not the studio's (its format should be '${LABELS_FORMAT}')`);
  const { classNames, inputSize } = value;
  if (!Array.isArray(classNames) || !classNames.every((name) => typeof name === 'string'))
    throw new Error('labels.json: classNames should be a list of names');
  if (!isSide(inputSize)) throw new Error('labels.json: inputSize should be a whole number');
  const imageSide = isSide(value.imageSide) ? value.imageSide : inputSize;
  return { ...(value as unknown as ModelLabels), imageSide };
}

/** For a zip without labels (exported before there were any): classes by number. */
export function unnamedLabels(classCount: number, inputSize: number): ModelLabels {
  return modelLabels({
    classNames: Array.from({ length: classCount }, (_, i) => `class ${i}`),
    inputSize,
    imageSide: inputSize,
    stats: { mean: [0, 0, 0], std: [1, 1, 1] },
    model: { architecture: 'unknown', mode: 'unknown', step: 0, dataset: 'unknown' },
  });
}
