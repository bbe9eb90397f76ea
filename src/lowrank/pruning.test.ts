import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { maxAbsDiff } from '../testing/tensors';
import { convForward, createFactorisedConv, disposeLayer, rankOf } from './factorised';
import { Optimiser } from './optimisers';
import {
  directionsToKeep,
  pruneByRule,
  pruneLayer,
  reorthonormalise,
  strongestDirections,
} from './pruning';
import { orthogonalityLoss } from './regularisers';

describe('directionsToKeep', () => {
  it('relative rule keeps |s_i| >= tau * max|s|, in index order', () => {
    expect(
      directionsToKeep([0.5, 10, -3, 0.1, 0.19, 0.2], { kind: 'relative', threshold: 0.02 }),
    ).toEqual([0, 1, 2, 5]);
    expect(directionsToKeep([1, 1, 1], { kind: 'relative', threshold: 1 })).toEqual([0, 1, 2]);
  });

  it('energy rule keeps the fewest largest directions holding 1 - eps of sum s^2', () => {
    // energies 16, 9, 1 -> total 26; 0.9 * 26 = 23.4 needs 16 + 9
    expect(directionsToKeep([1, 4, 3], { kind: 'energy', epsilon: 0.1 })).toEqual([1, 2]);
    expect(directionsToKeep([1, 4, 3], { kind: 'energy', epsilon: 0.01 })).toEqual([0, 1, 2]);
  });

  it('never keeps fewer than the minimum rank, and at least one direction', () => {
    expect(directionsToKeep([5, 0, 0, 0], { kind: 'relative', threshold: 0.5 }, 3)).toEqual([
      0, 1, 2,
    ]);
    expect(directionsToKeep([0, 0, 0], { kind: 'relative', threshold: 0.02 })).toHaveLength(1);
  });
});

describe('strongestDirections', () => {
  it('keeps the largest |s| in index order and never an exact zero', () => {
    expect(strongestDirections([0.5, -3, 0, 2, 1], 3)).toEqual([1, 3, 4]);
    expect(strongestDirections([0.5, -3, 0, 2], 10)).toEqual([0, 1, 3]);
    expect(strongestDirections([0, 0], 2)).toHaveLength(1);
  });
});

describe('pruneLayer', () => {
  function convWithZeroDirection() {
    const layer = createFactorisedConv(
      { name: 'prune', kernelSize: 3, inChannels: 3, outChannels: 6, stride: 2 },
      { seed: 9 },
    );
    // make direction 4 contribute nothing
    const mask = tf.tensor1d([1, 1, 1, 1, 0, 1]);
    layer.s.assign(tf.tidy(() => tf.mul(layer.s, mask)));
    mask.dispose();
    return layer;
  }

  it('removing a direction whose s_i = 0 leaves the output unchanged', async () => {
    const layer = convWithZeroDirection();
    const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const before = convForward(layer, x, 'lowrank');
    const event = await pruneByRule(layer, { kind: 'relative', threshold: 1e-6 });
    expect(event).toEqual({ layer: 'prune', oldRank: 6, newRank: 5 });
    expect(layer.U.shape).toEqual([27, 5]);
    expect(layer.V.shape).toEqual([6, 5]);
    for (const form of ['lowrank', 'composed'] as const) {
      const after = convForward(layer, x, form);
      expect(maxAbsDiff(before, after)).toBeLessThan(1e-5);
      after.dispose();
    }
    tf.dispose([x, before]);
    disposeLayer(layer);
  });

  it('slices the optimiser slots to the new shapes, and the next step runs', () => {
    for (const optimiser of [
      new Optimiser({ kind: 'sgd', learningRate: 0.1, momentum: 0.9, nesterov: true }),
      new Optimiser({ kind: 'adam', learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }),
    ]) {
      const firstSlot = optimiser.settings.kind === 'sgd' ? 'momentum' : 'firstMoment';
      const layer = convWithZeroDirection();
      const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
      const step = () => {
        const variables = [layer.U, layer.s, layer.V];
        const { value, grads } = tf.variableGrads(
          () => tf.mean(tf.square(convForward(layer, x))),
          variables,
        );
        optimiser.apply(
          variables.map((v) => ({ variable: v, gradient: grads[v.name], weightDecay: 1e-4 })),
        );
        tf.dispose([value, ...Object.values(grads)]);
      };
      step();
      const momentumOfS = tf.tidy(() =>
        tf.gather(optimiser.slotTensor('prune/s', firstSlot), [0, 1, 2, 3, 5]),
      );
      pruneLayer(layer, [0, 1, 2, 3, 5], optimiser);
      for (const [name, shape] of [
        ['prune/U', [27, 5]],
        ['prune/s', [5]],
        ['prune/V', [6, 5]],
      ] as const) {
        Object.values(optimiser.slotShapes(name)).forEach((slotShape) =>
          expect(slotShape).toEqual(shape),
        );
      }
      expect(maxAbsDiff(optimiser.slotTensor('prune/s', firstSlot), momentumOfS)).toBe(0);
      step();
      expect(rankOf(layer)).toBe(5);
      expect(Number.isFinite(layer.s.dataSync()[0])).toBe(true);
      tf.dispose([x, momentumOfS]);
      optimiser.dispose();
      disposeLayer(layer);
    }
  });

  it('rejects out-of-range and empty selections with a clear message', () => {
    const layer = convWithZeroDirection();
    expect(() => pruneLayer(layer, [])).toThrow(/at least one/);
    expect(() => pruneLayer(layer, [0, 9])).toThrow(/out of range/);
    disposeLayer(layer);
  });

  it('re-orthonormalising keeps the function and restores orthonormal factors', () => {
    const layer = convWithZeroDirection();
    pruneLayer(layer, [0, 1, 2, 3, 5]);
    layer.U.assign(
      tf.tidy(() => tf.add(layer.U, tf.randomNormal(layer.U.shape, 0, 0.05, 'float32', 4))),
    );
    const x = tf.randomNormal([1, 8, 8, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const before = convForward(layer, x);
    const orthBefore = orthogonalityLoss(layer);
    reorthonormalise(layer);
    const after = convForward(layer, x);
    const orthAfter = orthogonalityLoss(layer);
    expect(maxAbsDiff(before, after)).toBeLessThan(1e-4);
    expect(orthBefore.dataSync()[0]).toBeGreaterThan(1e-4);
    expect(orthAfter.dataSync()[0]).toBeLessThan(1e-8);
    expect(rankOf(layer)).toBe(5);
    tf.dispose([x, before, after, orthBefore, orthAfter]);
    disposeLayer(layer);
  });
});
