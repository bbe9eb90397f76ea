import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../config';
import type { LayerShape } from './accounting';
import {
  budgetAt,
  cutToBudget,
  deployableParams,
  eventCap,
  GATE_WARMUP,
  PruningPolicy,
  rankFloor,
  type PolicyModel,
  type PolicySettings,
} from './pruningPolicy';

const conv = (name: string, inChannels: number, outChannels: number): LayerShape => ({
  kind: 'conv',
  name,
  kernelSize: 3,
  inChannels,
  outChannels,
  rank: Math.min(9 * inChannels, outChannels),
  outHeight: 8,
  outWidth: 8,
  hasBias: false,
});

const classifier: LayerShape = {
  kind: 'dense',
  name: 'classifier',
  kernelSize: 1,
  inChannels: 32,
  outChannels: 10,
  rank: 10,
  outHeight: 1,
  outWidth: 1,
  hasBias: true,
};

/** A small net with decaying spectra: s_i = 0.8^i in every layer. */
function model(): PolicyModel {
  const shapes = [conv('a', 16, 16), conv('b', 16, 32), conv('c', 32, 32), classifier];
  const fixed = { params: 500, macs: 0 };
  return {
    layers: shapes.map((shape) => ({
      shape,
      singularValues: Array.from({ length: shape.rank }, (_, i) => 0.8 ** i),
    })),
    fixed,
    denseParams:
      fixed.params +
      shapes.reduce(
        (sum, s) => sum + s.kernelSize ** 2 * s.inChannels * s.outChannels + (s.hasBias ? 10 : 0),
        0,
      ),
    classes: 10,
  };
}

const settings = (overrides: Partial<PolicySettings> = {}): PolicySettings => ({
  ...DEFAULT_CONFIG,
  pruneStart: 0.1,
  pruneEnd: 0.5,
  pruneInterval: 0.05,
  pruneLossDrop: 0.1,
  targetParamsKept: 0,
  ...overrides,
});

/** Feeds losses that have fallen by `drop` from 2.3. */
function learned(policy: PruningPolicy, drop = 0.5): void {
  policy.observeLoss(2.3);
  for (let i = 0; i < 200; i++) policy.observeLoss(2.3 * (1 - drop));
}

const ranksAfter = (keep: number[][]) => keep.map((k) => k.length);

describe('floors and cap', () => {
  it('keeps classes - 1 directions of the classifier, all of them when it is not pruned', () => {
    expect(rankFloor(classifier, { minRank: 1, pruneClassifier: true }, 10)).toBe(9);
    expect(rankFloor(classifier, { minRank: 1, pruneClassifier: false }, 10)).toBe(10);
    expect(rankFloor(conv('a', 16, 16), { minRank: 3, pruneClassifier: true }, 10)).toBe(3);
    expect(
      rankFloor({ ...conv('a', 16, 16), rank: 2 }, { minRank: 3, pruneClassifier: true }, 10),
    ).toBe(2);
  });

  it('lets one event remove at most the cap of a layer, and at least one direction', () => {
    expect(eventCap(64, 0.25)).toBe(16);
    expect(eventCap(4, 0.25)).toBe(1);
    expect(eventCap(4, 0)).toBe(1);
  });

  it('a rule cut respects the floors and the cap', () => {
    const policy = new PruningPolicy(10);
    learned(policy);
    const rule = settings({ pruneThreshold: 0.5, pruneCap: 0.25, minRank: 4 });
    expect(policy.due(rule, 0.1)).toBe(true);
    const { keep } = policy.plan(rule, model(), 0.1);
    // tau 0.5 keeps 0.8^i >= 0.5, i.e. 4 directions; the cap allows 16 -> 12 at most; the
    // classifier's floor of 9 is above its break-even (7.6), so cutting it would save nothing
    expect(ranksAfter(keep)).toEqual([12, 24, 24, 10]);
  });

  it('a rule cut that leaves a layer at or above its break-even is not made', () => {
    const policy = new PruningPolicy(10);
    learned(policy);
    const wide = model();
    wide.layers[0].singularValues = Array.from({ length: 16 }, (_, i) => (i < 15 ? 1 : 0.01));
    const rule = settings({ pruneThreshold: 0.5, pruneCap: 1, minRank: 1 });
    const { keep } = policy.plan(rule, wide, 0.1);
    // tau 0.5 keeps 15 of layer a: above its break-even (14.4), so it saves nothing and the
    // layer is kept whole; b and c (0.8^i) go to 4, uncapped
    expect(ranksAfter(keep)).toEqual([16, 4, 4, 10]);
  });
});

describe('the window and the loss gate', () => {
  it('waits for the start and for the loss to fall, then prunes every interval until the end', () => {
    const policy = new PruningPolicy(10);
    const config = settings();
    expect(policy.due(config, 0.05)).toBe(false);
    policy.observeLoss(2.3);
    policy.observeLoss(2.25);
    // start reached, but the loss has not fallen by 10%
    expect(policy.due(config, 0.15)).toBe(false);
    learned(policy, 0.2);
    expect(policy.due(config, 0.16)).toBe(true);
    policy.plan(config, model(), 0.16);
    expect(policy.due(config, 0.2)).toBe(false);
    expect(policy.due(config, 0.21)).toBe(true);
    policy.plan(config, model(), 0.21);
    // the end event at the first decay (0.5 of a step schedule), then never again
    expect(policy.due(config, 0.5)).toBe(true);
    policy.plan(config, model(), 0.5);
    expect(policy.state.closed).toBe(true);
    expect(policy.due(config, 0.9)).toBe(false);
  });

  it('waits while the loss is at chance, however long, and for the average to warm up', () => {
    const policy = new PruningPolicy(10);
    const config = settings();
    // above ln 10 = 2.30 at first, then just under it: still within 10% of chance
    for (let i = 0; i < 20; i++) policy.observeLoss(2.6);
    for (let i = 0; i < 2000; i++) policy.observeLoss(2.2);
    expect(policy.due(config, 0.2)).toBe(false);
    expect(policy.window(config, 0.2)).toBe('waiting');
    const fresh = new PruningPolicy(10);
    for (let i = 1; i < GATE_WARMUP; i++) fresh.observeLoss(1);
    expect(fresh.due(config, 0.2)).toBe(false);
    fresh.observeLoss(1);
    expect(fresh.due(config, 0.2)).toBe(true);
    // a gate of 0 is off: no loss needed
    expect(new PruningPolicy(10).due(settings({ pruneLossDrop: 0 }), 0.2)).toBe(true);
  });

  it('says when the window ended without opening, and where it stands otherwise', () => {
    const policy = new PruningPolicy(10);
    const config = settings();
    expect(policy.window(config, 0.05)).toBe('waiting');
    expect(policy.window(config, 0.51)).toBe('missed');
    expect(policy.due(config, 0.51)).toBe(false);
    expect(policy.window(settings({ mode: 'dense' }), 0.9)).toBe('off');
    learned(policy);
    expect(policy.due(config, 0.2)).toBe(true);
    expect(policy.window(config, 0.2)).toBe('open');
    policy.plan(config, model(), 0.5);
    expect(policy.window(config, 0.9)).toBe('closed');
  });

  it('takes a checkpoint from before the warm-up as warm', () => {
    const policy = new PruningPolicy(10);
    learned(policy);
    delete policy.state.observations;
    policy.observeLoss(1);
    expect(policy.state.observations).toBeUndefined();
    expect(policy.due(settings(), 0.2)).toBe(true);
  });

  it('never prunes a dense model, or with pruning off', () => {
    const policy = new PruningPolicy(10);
    learned(policy);
    expect(policy.due(settings({ mode: 'dense' }), 0.2)).toBe(false);
    expect(policy.due(settings({ pruning: false }), 0.2)).toBe(false);
  });
});

describe('target size', () => {
  it('the budget falls from 1 to the target on a cubic, fastest at first', () => {
    expect(budgetAt(0.4, 0)).toBe(1);
    expect(budgetAt(0.4, 1)).toBeCloseTo(0.4);
    expect(budgetAt(0.4, 0.5)).toBeCloseTo(0.4 + 0.6 / 8);
    expect(1 - budgetAt(0.4, 0.25)).toBeGreaterThan(budgetAt(0.4, 0.75) - 0.4);
  });

  it('cuts the weakest share of energy first, within floors, to the budget', () => {
    const m = model();
    const budget = 0.5 * m.denseParams;
    const floors = [1, 1, 1, 9];
    const keep = cutToBudget(m, budget, floors, [16, 32, 32, 10]);
    const ranks = ranksAfter(keep);
    expect(deployableParams(m, ranks)).toBeLessThanOrEqual(budget);
    expect(ranks[3]).toBeGreaterThanOrEqual(9);
    // kept directions are each layer's strongest
    keep.forEach((indices) => indices.forEach((index, i) => expect(index).toBe(i)));
  });

  it('never leaves a cut layer above its break-even, and takes cheap energy per param first', () => {
    const m = model();
    // layer b holds all of its energy in four directions: cutting the rest costs nothing
    m.layers[1].singularValues = Array.from({ length: 32 }, (_, i) => (i < 4 ? 1 : 0));
    const ranks = ranksAfter(cutToBudget(m, 0.8 * m.denseParams, [1, 1, 1, 9], [16, 32, 32, 10]));
    expect(deployableParams(m, ranks)).toBeLessThanOrEqual(0.8 * m.denseParams);
    m.layers.forEach((layer, l) => {
      if (ranks[l] < layer.shape.rank)
        expect(
          deployableParams(
            m,
            ranks.map((r, i) => (i === l ? layer.shape.rank : r)),
          ),
        ).toBeGreaterThan(deployableParams(m, ranks));
    });
    expect(ranks[1]).toBeLessThan(32);
    // the budget needed only layer b's cut: the other layers keep their rank
    expect([ranks[0], ranks[2], ranks[3]]).toEqual([16, 32, 10]);
  });

  it('fades the next cut, cuts it at the next event, and ends at the target', () => {
    const policy = new PruningPolicy(10);
    learned(policy);
    const config = settings({ targetParamsKept: 40, pruneCap: 0.5 });
    let m = model();
    const apply = (keep: number[][]) => {
      m = {
        ...m,
        layers: m.layers.map((layer, l) => ({
          shape: { ...layer.shape, rank: keep[l].length },
          singularValues: keep[l].map((i) => layer.singularValues[i]),
        })),
      };
    };
    const sizes: number[] = [];
    for (let progress = 0.1; !policy.state.closed; progress = Math.min(0.5, progress + 0.05)) {
      expect(policy.due(config, progress)).toBe(true);
      const fading = policy.state.fading.map((f) => f.length);
      const plan = policy.plan(config, m, progress);
      // the directions faded at the previous event are the ones cut now
      if (progress > 0.1 && !policy.state.closed)
        expect(plan.keep.map((k, l) => m.layers[l].shape.rank - k.length)).toEqual(fading);
      apply(plan.keep);
      plan.fade.forEach((indices, l) =>
        indices.forEach((i) => expect(i).toBeLessThan(m.layers[l].shape.rank)),
      );
      sizes.push(
        deployableParams(
          m,
          m.layers.map((l) => l.shape.rank),
        ) / m.denseParams,
      );
    }
    sizes.slice(1).forEach((size, i) => expect(size).toBeLessThanOrEqual(sizes[i] + 1e-9));
    expect(sizes.at(-1)).toBeLessThanOrEqual(0.4);
    expect(sizes.at(-1)).toBeGreaterThan(0.37);
    expect(policy.state.fading).toEqual([]);
  });

  it('a target lowered after the window is applied at once', () => {
    const policy = new PruningPolicy(10);
    policy.state.closed = true;
    const m = model();
    expect(policy.enforceTarget(settings({ targetParamsKept: 0 }), m)).toBeNull();
    const plan = policy.enforceTarget(settings({ targetParamsKept: 30 }), m)!;
    expect(deployableParams(m, ranksAfter(plan.keep)) / m.denseParams).toBeLessThanOrEqual(0.3);
  });
});
