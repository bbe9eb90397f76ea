import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { trainStep, type TrainableParam } from '../lowrank/step';
import {
  convForward,
  createFactorisedConv,
  createFactorisedDense,
  denseForward,
  disposeLayer,
  rankOf,
} from './factorised';
import { Optimiser } from './optimisers';
import { pruneByRule } from './pruning';
import { regularisation } from './regularisers';

describe('a two-layer factorised net', () => {
  it('lowers its loss over 30 steps with a flat tensor count, pruning included', async () => {
    const conv = createFactorisedConv(
      { name: 'loop/conv', kernelSize: 3, inChannels: 3, outChannels: 8, stride: 2 },
      { seed: 1 },
    );
    const dense = createFactorisedDense(
      { name: 'loop/fc', inFeatures: 8, outFeatures: 4 },
      { seed: 2 },
    );
    const images = tf.randomNormal([16, 8, 8, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    // labels that depend on the input, so the net can learn them: the sign pattern of two channel means
    const labels = tf.tidy(() => {
      const means = tf.mean(images, [1, 2]) as tf.Tensor2D;
      const bits = tf.cast(tf.greater(means, 0), 'int32');
      const index = tf.add(
        tf.mul(tf.slice(bits, [0, 0], [-1, 1]), 2),
        tf.slice(bits, [0, 1], [-1, 1]),
      );
      return tf.oneHot(tf.cast(tf.reshape(index, [-1]), 'int32'), 4);
    });
    const optimiser = new Optimiser({
      kind: 'sgd',
      learningRate: 0.1,
      momentum: 0.9,
      nesterov: true,
    });
    const params = (): TrainableParam[] =>
      [conv, dense].flatMap((layer) => [
        { variable: layer.U, weightDecay: 0 },
        { variable: layer.s, weightDecay: 1e-4 },
        { variable: layer.V, weightDecay: 0 },
        ...(layer.kind === 'dense' ? [{ variable: layer.bias, weightDecay: 1e-4 }] : []),
      ]);
    const losses: number[] = [];
    let tensorsAtStep5 = 0;
    for (let step = 1; step <= 30; step++) {
      const { losses: parts } = trainStep(
        () => {
          const features = tf.mean(tf.relu(convForward(conv, images)), [1, 2]) as tf.Tensor2D;
          const logits = denseForward(dense, features);
          const { orth, rank } = regularisation([conv, dense], {
            lambdaOrth: 1,
            lambdaRank: 0.01,
            rankTerm: 'hoyer',
          });
          return {
            losses: { crossEntropy: tf.losses.softmaxCrossEntropy(labels, logits), orth, rank },
          };
        },
        params(),
        optimiser,
      );
      losses.push(parts.crossEntropy.dataSync()[0]);
      tf.dispose(Object.values(parts));
      if (step === 15) await pruneByRule(conv, { kind: 'energy', epsilon: 0.1 }, { optimiser });
      if (step === 5) tensorsAtStep5 = tf.memory().numTensors;
      if (step > 5) expect(tf.memory().numTensors).toBe(tensorsAtStep5);
    }
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[29]).toBeLessThan(0.6 * losses[0]);
    expect(rankOf(conv)).toBeLessThan(8);
    tf.dispose([images, labels]);
    optimiser.dispose();
    [conv, dense].forEach(disposeLayer);
  });
});
