import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Optimiser, type OptimiserSettings } from './optimisers';

/** Runs `steps` updates of w with a constant gradient g and returns w. */
function run(
  settings: OptimiserSettings,
  w0: number,
  g: number,
  weightDecay: number,
  steps: number,
) {
  const optimiser = new Optimiser(settings);
  const variable = tf.variable(tf.scalar(w0), true, `w-${Math.random()}`);
  const gradient = tf.scalar(g);
  for (let i = 0; i < steps; i++) optimiser.apply([{ variable, gradient, weightDecay }]);
  const value = variable.dataSync()[0];
  tf.dispose([variable, gradient]);
  optimiser.dispose();
  return value;
}

describe('Optimiser', () => {
  it('SGD momentum matches the PyTorch update rule, with and without Nesterov', () => {
    const plain = { kind: 'sgd', learningRate: 0.1, momentum: 0.9, nesterov: false } as const;
    // buf1 = 1, w1 = 1 - 0.1; buf2 = 0.9 + 1 = 1.9, w2 = w1 - 0.19
    expect(run(plain, 1, 1, 0, 2)).toBeCloseTo(1 - 0.1 - 0.19, 6);
    // Nesterov: step = g + m * buf -> 0.1 * 1.9, then 0.1 * (1 + 0.9 * 1.9)
    expect(run({ ...plain, nesterov: true }, 1, 1, 0, 2)).toBeCloseTo(1 - 0.19 - 0.271, 6);
  });

  it('adds weight decay to the gradient (L2, per parameter)', () => {
    const sgd = { kind: 'sgd', learningRate: 0.5, momentum: 0, nesterov: false } as const;
    // g + wd * w = 1 + 0.1 * 2 = 1.2 -> 2 - 0.6
    expect(run(sgd, 2, 1, 0.1, 1)).toBeCloseTo(1.4, 6);
  });

  it('Adam takes a first step of learning rate in the gradient direction', () => {
    const adam = {
      kind: 'adam',
      learningRate: 0.01,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-8,
    } as const;
    expect(run(adam, 1, 3, 0, 1)).toBeCloseTo(0.99, 6);
    expect(run(adam, 1, -3, 0, 2)).toBeCloseTo(1.02, 5);
  });

  it('snapshots and restores its slots and step count', async () => {
    const settings = {
      kind: 'adam',
      learningRate: 0.01,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-8,
    } as const;
    const original = new Optimiser(settings);
    const variable = tf.variable(tf.tensor1d([1, 2]), true, 'snap');
    const gradient = tf.tensor1d([0.5, -1]);
    original.apply([{ variable, gradient, weightDecay: 0 }]);
    const snapshot = await original.snapshot();
    const copy = new Optimiser({ kind: 'sgd', learningRate: 1, momentum: 0, nesterov: false });
    copy.restore(snapshot);
    expect(copy.stepCount).toBe(1);
    expect(copy.settings).toEqual(settings);
    expect(Array.from(copy.slotTensor('snap', 'secondMoment').dataSync())).toEqual(
      Array.from(original.slotTensor('snap', 'secondMoment').dataSync()),
    );
    tf.dispose([variable, gradient]);
    original.dispose();
    copy.dispose();
  });
});
