// Cross-entropy and accuracy of a model on a split, in eval mode (running BatchNorm statistics),
// batched and read back once.
import * as tf from '@tensorflow/tfjs';
import { makeBatch } from '../data/batches';
import type { ChannelStats, Split } from '../data/dataset';
import { forward, type Model } from '../model/resnet';

export interface EvaluationResult {
  accuracy: number;
  loss: number;
  count: number;
}

const EVAL_BATCH = 256;

/** Mean softmax cross-entropy of logits [N, classes] against class indices [N]. */
export function meanCrossEntropy(labels: tf.Tensor1D, logits: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const targets = tf.oneHot(labels, logits.shape[1]);
    return tf.losses.softmaxCrossEntropy(targets, logits) as tf.Scalar;
  });
}

export async function evaluateSplit(
  model: Model,
  split: Split,
  inputSize: number,
  stats: ChannelStats,
): Promise<EvaluationResult> {
  let correct = tf.scalar(0);
  let lossSum = tf.scalar(0);
  const size = { height: inputSize, width: inputSize };
  for (let start = 0; start < split.count; start += EVAL_BATCH) {
    const indices = Uint32Array.from(
      { length: Math.min(EVAL_BATCH, split.count - start) },
      (_, i) => start + i,
    );
    const batch = makeBatch(split, size, indices, stats);
    const [nextCorrect, nextLoss] = tf.tidy(() => {
      const logits = forward(model, batch.images, false);
      const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), batch.labels), 'float32'));
      const loss = tf.mul(meanCrossEntropy(batch.labels, logits), indices.length);
      return [tf.add(correct, hits), tf.add(lossSum, loss)];
    });
    tf.dispose([correct, lossSum, batch.images, batch.labels]);
    correct = nextCorrect as tf.Scalar;
    lossSum = nextLoss as tf.Scalar;
  }
  const [hits, loss] = await Promise.all([correct.data(), lossSum.data()]);
  tf.dispose([correct, lossSum]);
  const count = Math.max(1, split.count);
  return { accuracy: hits[0] / count, loss: loss[0] / count, count: split.count };
}
