// Try it's classification of one image: the image prepared as the trainer prepares its own
// (resized from its stored side to the input size, then normalised by the training set's channel
// statistics, or only scaled to [0, 1] for an exported model, which normalises inside), one
// forward pass in eval mode, softmax, the top classes. Every tensor is freed before it returns.
import * as tf from '@tensorflow/tfjs';
import { makeBatch } from '../data/batches';
import type { ChannelStats } from '../data/dataset';
import { resizeSplit } from '../data/resize';
import { forward, type Model } from '../model/resnet';
import type { ClassGuess, SquareImage } from '../protocol';
import { TOP_CLASSES, topClasses } from './topClasses';

/** No shift, no scale: makeBatch then gives byte / 255, the [0, 1] an exported model takes. */
export const UNIT_RANGE: ChannelStats = { mean: [0, 0, 0], std: [1, 1, 1] };

/**
 * The image as a batch of one [1, inputSize, inputSize, 3]: resizeSplit and makeBatch, the
 * trainer's own code for its training and test images (without augmentation).
 */
export function imageBatch(
  image: SquareImage,
  inputSize: number,
  stats: ChannelStats,
): tf.Tensor4D {
  const one = { images: image.pixels, labels: new Uint8Array(1), count: 1 };
  const resized = resizeSplit(one, image.side, inputSize);
  const size = { height: inputSize, width: inputSize };
  const batch = makeBatch(resized, size, Uint32Array.of(0), stats);
  batch.labels.dispose();
  return batch.images;
}

/** Softmax of the logits `classify` returns (made and freed in a tidy), read back, ranked. */
async function rankClasses(
  classify: () => tf.Tensor,
  classNames: readonly string[],
  count: number,
): Promise<ClassGuess[]> {
  const probabilities = tf.tidy(() => tf.softmax(tf.reshape(classify(), [-1])));
  try {
    return topClasses(await probabilities.data(), classNames, count);
  } finally {
    probabilities.dispose();
  }
}

/** The top classes of the job's network (eval mode: running batch-norm statistics). */
export function classifyWithModel(
  model: Model,
  image: SquareImage,
  prepared: { inputSize: number; stats: ChannelStats; classNames: readonly string[] },
  count = TOP_CLASSES,
): Promise<ClassGuess[]> {
  return rankClasses(
    () => forward(model, imageBatch(image, prepared.inputSize, prepared.stats), false),
    prepared.classNames,
    count,
  );
}

/** The top classes of an exported LayersModel, which takes images in [0, 1]. */
export function classifyWithLayersModel(
  model: tf.LayersModel,
  image: SquareImage,
  prepared: { inputSize: number; classNames: readonly string[] },
  count = TOP_CLASSES,
): Promise<ClassGuess[]> {
  return rankClasses(
    () => model.predict(imageBatch(image, prepared.inputSize, UNIT_RANGE)) as tf.Tensor,
    prepared.classNames,
    count,
  );
}
