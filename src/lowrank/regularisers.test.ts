import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createFactorisedConv, disposeLayer } from './factorised';
import { disposeModel, factorisedLayers } from '../model/resnet';
import { buildModel } from '../model/resnetBuild';
import {
  meanNormalisedRankLoss,
  normalisedRankLoss,
  orthogonalityLoss,
  rankLoss,
  regularisation,
  totalOrthogonalityLoss,
  RANK_TERMS,
  type RankTerm,
} from './regularisers';
import { createFactorisedDense, matrixShape, type FactorisedLayer } from './factorised';
import { maxRelativeError } from '../testing/tensors';

function valueAndGradient(values: number[], term: RankTerm): { value: number; gradient: number[] } {
  return tf.tidy(() => {
    const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => rankLoss(x as tf.Tensor1D, term))(
      tf.tensor1d(values),
    );
    return { value: value.dataSync()[0], gradient: Array.from(grad.dataSync()) };
  });
}

describe('orthogonality loss', () => {
  it('is ~0 at an SVD init and grows when U is perturbed', () => {
    const layer = createFactorisedConv(
      { name: 'orth', kernelSize: 3, inChannels: 4, outChannels: 8 },
      { seed: 11 },
    );
    const atInit = orthogonalityLoss(layer);
    expect(atInit.dataSync()[0]).toBeLessThan(1e-8);
    layer.U.assign(
      tf.tidy(() => tf.add(layer.U, tf.randomNormal(layer.U.shape, 0, 0.1, 'float32', 1))),
    );
    const perturbed = orthogonalityLoss(layer);
    expect(perturbed.dataSync()[0]).toBeGreaterThan(1e-3);
    tf.dispose([atInit, perturbed]);
    disposeLayer(layer);
  });

  it('divides by r^2: U = 2I (r = 2) gives ||4I - I||^2 / 4 = 18 / 4', () => {
    const identity = tf.tidy(() => tf.mul(tf.eye(2), 2));
    const U = tf.variable(identity);
    const V = tf.variable(tf.eye(2));
    const s = tf.variable(tf.ones([2]));
    const loss = orthogonalityLoss({
      kind: 'dense',
      name: 'hand',
      inFeatures: 2,
      outFeatures: 2,
      U,
      s,
      V,
      bias: s,
    });
    expect(loss.dataSync()[0]).toBeCloseTo(4.5, 6);
    tf.dispose([identity, U, V, s, loss]);
  });
});

describe('rank terms', () => {
  // s = [3, 1]: L1 = 4, L2^2 = 10, max = 3
  it('Hoyer: value L1/L2 and gradient pushes the small value down, the large one up', () => {
    const { value, gradient } = valueAndGradient([3, 1], 'hoyer');
    expect(value).toBeCloseTo(4 / Math.sqrt(10), 5);
    expect(gradient[0]).toBeCloseTo(1 / Math.sqrt(10) - (4 * 3) / 10 ** 1.5, 5);
    expect(gradient[1]).toBeCloseTo(1 / Math.sqrt(10) - 4 / 10 ** 1.5, 5);
    expect(gradient[0]).toBeLessThan(0);
    expect(gradient[1]).toBeGreaterThan(0);
  });

  it('L1/max: value L1/max, positive gradient on non-max values, negative on the max', () => {
    const { value, gradient } = valueAndGradient([3, 1], 'l1-max');
    expect(value).toBeCloseTo(4 / 3, 5);
    expect(gradient[0]).toBeCloseTo(1 / 3 - 4 / 9, 5);
    expect(gradient[1]).toBeCloseTo(1 / 3, 5);
  });

  it('Hoyer-square: value L1^2/L2^2 with the hand-computed gradient', () => {
    const { value, gradient } = valueAndGradient([3, 1], 'hoyer-square');
    expect(value).toBeCloseTo(16 / 10, 5);
    // d/ds_i = 2 L1 / L2^2 - 2 L1^2 s_i / L2^4
    expect(gradient[0]).toBeCloseTo(8 / 10 - (2 * 16 * 3) / 100, 5);
    expect(gradient[1]).toBeCloseTo(8 / 10 - (2 * 16 * 1) / 100, 5);
  });

  it.each(RANK_TERMS)(
    '%s is minimal (1) for a rank-one spectrum and larger for a flat one',
    (term) => {
      expect(valueAndGradient([5, 0, 0, 0], term).value).toBeCloseTo(1, 5);
      expect(valueAndGradient([1, 1, 1, 1], term).value).toBeGreaterThan(1.9);
    },
  );

  it.each(RANK_TERMS)('%s has finite gradients when some or all s_i are zero', (term) => {
    for (const values of [
      [2, 0, 1, 0],
      [0, 0, 0],
    ]) {
      const { value, gradient } = valueAndGradient(values, term);
      expect(Number.isFinite(value)).toBe(true);
      gradient.forEach((g) => expect(Number.isFinite(g)).toBe(true));
    }
  });
});

describe('normalised rank term', () => {
  it('maps the term to [0, 1] on the layer scale: 0 at rank one, 1 flat at full rank', () => {
    const value = (values: number[], term: RankTerm, fullRank: number) =>
      tf.tidy(() => normalisedRankLoss(tf.tensor1d(values), term, fullRank)!.dataSync()[0]);
    expect(value([3, 1], 'hoyer', 2)).toBeCloseTo((4 / Math.sqrt(10) - 1) / (Math.SQRT2 - 1), 5);
    for (const term of RANK_TERMS) {
      expect(value([5, 0, 0, 0], term, 4)).toBeCloseTo(0, 5);
      expect(value([2, 2, 2, 2], term, 4)).toBeCloseTo(1, 5);
      // after pruning to 2 of 4 directions the flat spectrum is below the full-rank maximum
      expect(value([2, 2], term, 4)).toBeLessThan(1);
    }
    expect(normalisedRankLoss(tf.tensor1d([1]), 'hoyer', 1)).toBeNull();
  });
});

describe('regularisation', () => {
  it('weights the orthogonality sum and the mean normalised rank term by their lambdas', () => {
    const layer = createFactorisedConv(
      { name: 'reg', kernelSize: 1, inChannels: 4, outChannels: 4 },
      { seed: 5 },
    );
    const single = normalisedRankLoss(layer.s as tf.Tensor1D, 'hoyer', 4)!;
    const { orth, rank } = regularisation([layer, layer], {
      lambdaOrth: 2,
      lambdaRank: 0.5,
      rankTerm: 'hoyer',
    });
    expect(rank.dataSync()[0]).toBeCloseTo(0.5 * single.dataSync()[0], 5);
    expect(orth.dataSync()[0]).toBeLessThan(1e-7);
    tf.dispose([single, orth, rank]);
    disposeLayer(layer);
  });

  it('gives the same scale on a quarter-width ResNet-8 and a ResNet-56 at initialisation', () => {
    const rankTermOf = (architecture: 'resnet8' | 'resnet56', widthMultiplier: number) => {
      const model = buildModel({
        architecture,
        mode: 'lowrank',
        widthMultiplier,
        inputSize: 8,
        classes: 10,
        seed: 1,
      });
      const { orth, rank } = regularisation(factorisedLayers(model), {
        lambdaOrth: 0,
        lambdaRank: 1,
        rankTerm: 'hoyer',
      });
      const value = rank.dataSync()[0];
      tf.dispose([orth, rank]);
      disposeModel(model);
      return value;
    };
    const small = rankTermOf('resnet8', 0.25);
    const deep = rankTermOf('resnet56', 1);
    // He-normal spectra are spread but not flat: the term starts near, below, 1 on both nets
    for (const value of [small, deep]) {
      expect(value).toBeGreaterThan(0.6);
      expect(value).toBeLessThan(1);
    }
    expect(Math.abs(small - deep)).toBeLessThan(0.1);
  });
});

describe('whole-net terms (one op each) against the per-layer definitions', () => {
  /** Layers of several shapes and ranks, factors off orthonormal, spectra with zeros and ties. */
  function layers(): FactorisedLayer[] {
    const made: FactorisedLayer[] = [
      createFactorisedConv(
        { name: 'a', kernelSize: 3, inChannels: 2, outChannels: 6 },
        { seed: 1 },
      ),
      createFactorisedConv(
        { name: 'b', kernelSize: 1, inChannels: 5, outChannels: 3 },
        { seed: 2 },
      ),
      createFactorisedDense({ name: 'c', inFeatures: 4, outFeatures: 1 }, { seed: 3 }),
      createFactorisedDense({ name: 'd', inFeatures: 7, outFeatures: 5 }, { seed: 4 }),
      createFactorisedDense({ name: 'e', inFeatures: 3, outFeatures: 3 }, { seed: 5 }),
    ];
    made.forEach((layer, i) => {
      for (const factor of [layer.U, layer.V])
        factor.assign(
          tf.tidy(() => tf.add(factor, tf.randomNormal(factor.shape, 0, 0.2, 'float32', i))),
        );
    });
    made[3].s.assign(tf.tensor1d([0.5, 2, 0, 2, 1]));
    made[4].s.assign(tf.zeros([3]));
    return made;
  }

  /** Value and gradients with respect to every U, s and V. */
  function valueAndGrads(net: FactorisedLayer[], loss: () => tf.Scalar) {
    const variables = net.flatMap((layer) => [layer.U, layer.s, layer.V]);
    const { value, grads } = tf.variableGrads(loss, variables);
    const result = {
      value: value.dataSync()[0],
      grads: variables.map((v) =>
        Array.from(grads[v.name]?.dataSync() ?? new Float32Array(v.size)),
      ),
    };
    tf.dispose([value, ...Object.values(grads)]);
    return result;
  }

  function expectSame(actual: ReturnType<typeof valueAndGrads>, expected: typeof actual) {
    expect(actual.value).toBeCloseTo(expected.value, 5);
    actual.grads.forEach((grad, i) =>
      expect(maxRelativeError(grad, expected.grads[i])).toBeLessThan(1e-4),
    );
  }

  /** Runs `check` on fresh layers and disposes them whatever happens. */
  function withLayers(check: (net: FactorisedLayer[]) => void) {
    const net = layers();
    try {
      check(net);
    } finally {
      net.forEach(disposeLayer);
    }
  }

  it("orthogonality: the sum of the layers' losses, with the same gradients", () =>
    withLayers((net) => {
      const reference = valueAndGrads(net, () =>
        net.map(orthogonalityLoss).reduce((a, b) => tf.add(a, b)),
      );
      expect(reference.value).toBeGreaterThan(0.01);
      expectSame(
        valueAndGrads(net, () => totalOrthogonalityLoss(net)),
        reference,
      );
    }));

  it.each(RANK_TERMS)('%s: the mean normalised term over layers, with the same gradients', (term) =>
    withLayers((net) => {
      const reference = valueAndGrads(net, () => {
        const terms = net
          .map((layer) => {
            const { rows, cols } = matrixShape(layer);
            return normalisedRankLoss(layer.s as tf.Tensor1D, term, Math.min(rows, cols));
          })
          .filter((t): t is tf.Scalar => t !== null);
        return tf.div(tf.addN(terms), terms.length);
      });
      expectSame(
        valueAndGrads(net, () => meanNormalisedRankLoss(net, term)!),
        reference,
      );
      expect(meanNormalisedRankLoss([net[2]], term)).toBeNull();
    }),
  );

  it('leaves no tensors behind', () =>
    withLayers((net) => {
      const before = tf.memory().numTensors;
      const settings = { lambdaOrth: 1, lambdaRank: 1, rankTerm: 'hoyer' as const };
      const { value, grads } = tf.variableGrads(
        () => {
          const { orth, rank } = regularisation(net, settings);
          return tf.add(orth, rank);
        },
        net.flatMap((layer) => [layer.U, layer.s, layer.V]),
      );
      tf.dispose([value, ...Object.values(grads)]);
      expect(tf.memory().numTensors).toBe(before);
    }));
});
