import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { generateBuiltin } from '../data/builtin';
import { presetConfig } from '../presets';
import { Trainer } from './trainer';

const data = generateBuiltin({ seed: 3, size: 16, trainCount: 96, testCount: 40 });
// quarter width: the smallest net, for speed on the cpu backend
const micro = (overrides = {}) =>
  presetConfig('micro', { widthMultiplier: 0.25, batchSize: 32, epochs: 4, ...overrides });

async function runSteps(trainer: Trainer, steps: number) {
  for (let i = 0; i < steps; i++) trainer.trainStep();
  return trainer.readStepMetrics();
}

describe('Trainer', () => {
  it('runs epochs with finite metrics, prunes on schedule and keeps the tensor count flat', async () => {
    const trainer = new Trainer(
      data,
      micro({
        targetParamsKept: 0,
        pruneThreshold: 0.6,
        lambdaRank: 0.1,
        pruneStart: 0.2,
        pruneLossDrop: 0,
      }),
    );
    expect(trainer.stepsPerEpoch).toBe(3);
    const fullRanks = trainer.layers.map((l) => l.s.shape[0]);
    const initialFactorisedParams = trainer.accounting().factorised.params;
    const counts: number[] = [];
    const reports = [];
    for (let epoch = 0; epoch < 2; epoch++) {
      for (let step = 0; step < 3; step++) {
        const { endOfEpoch } = trainer.trainStep();
        expect(endOfEpoch).toBe(step === 2);
        await trainer.pruneIfDue();
      }
      const metrics = await trainer.readStepMetrics();
      metrics.forEach((m) => {
        for (const value of [m.crossEntropy, m.orth, m.rank, m.total])
          expect(Number.isFinite(value)).toBe(true);
        expect(m.trainAccuracy).toBeGreaterThanOrEqual(0);
        expect(m.trainAccuracy).toBeLessThanOrEqual(1);
      });
      reports.push(await trainer.endEpoch());
      counts.push(tf.memory().numTensors);
    }
    expect(reports[0].test.count).toBe(40);
    expect(reports[1].epoch).toBe(2);
    // micro: 12 steps, pruning from 20% of the run at every step (interval under a step), tau 0.6
    // (a lower tau keeps these random spectra above break-even, where a cut saves nothing)
    const events = reports.flatMap((r) => r.pruneEvents);
    expect(events.length).toBeGreaterThan(0);
    const ranks = trainer.layers.map((l) => l.s.shape[0]);
    ranks.forEach((rank, i) => expect(rank).toBeLessThanOrEqual(fullRanks[i]));
    expect(reports[1].accounting.factorised.params).toBeLessThan(initialFactorisedParams);
    expect(reports[1].size.paramsKept).toBeLessThanOrEqual(1);
    expect(reports[1].size.rankKept).toBeLessThan(1);
    expect(reports[1].spectra).toHaveLength(trainer.layers.length);
    // pruning replaces variables one for one, and every step's tensors were released
    expect(counts[1]).toBe(counts[0]);
    trainer.dispose();
  });

  it('live hyper-parameters take effect at the next step; inconsistent ones are refused', async () => {
    const trainer = new Trainer(data, micro({ rankRampFraction: 0 }));
    await runSteps(trainer, 1);
    await trainer.setHyperparameters({ lambdaRank: 0.2, learningRate: 0.01 });
    const [next] = await runSteps(trainer, 1);
    expect(next.lambdaRank).toBeCloseTo(0.2);
    expect(next.learningRate).toBeCloseTo(0.01);
    await expect(trainer.setHyperparameters({ maxRank: 2, minRank: 5 })).rejects.toThrow(
      /minRank \(5\) is above maxRank \(2\)/,
    );
    expect(trainer.config.maxRank).not.toBe(2);
    await trainer.setHyperparameters({ maxRank: 3 });
    trainer.layers.forEach((layer) => expect(layer.s.shape[0]).toBeLessThanOrEqual(3));
    await runSteps(trainer, 1);
    trainer.dispose();
  });

  it('a restored checkpoint continues exactly like the original run', async () => {
    const original = new Trainer(data, micro());
    await runSteps(original, 2);
    await original.pruneNow();
    const checkpoint = await original.checkpoint();
    const continued = await runSteps(original, 3);
    const restored = Trainer.restore(data, checkpoint);
    expect(restored.layers.map((l) => l.s.shape[0])).toEqual(
      original.layers.map((l) => l.s.shape[0]),
    );
    const replayed = await runSteps(restored, 3);
    replayed.forEach((m, i) => {
      expect(m.step).toBe(continued[i].step);
      expect(m.total).toBeCloseTo(continued[i].total, 5);
      expect(m.trainAccuracy).toBe(continued[i].trainAccuracy);
    });
    original.dispose();
    restored.dispose();
  });

  it('trains the dense baseline with the same recipe (no regularisers, no pruning)', async () => {
    const trainer = new Trainer(data, micro({ mode: 'dense' }));
    const metrics = await runSteps(trainer, 3);
    metrics.forEach((m) => expect(m.orth + m.rank).toBe(0));
    const report = await trainer.endEpoch();
    expect(report.pruneEvents).toEqual([]);
    expect(report.size.paramsKept).toBe(1);
    trainer.dispose();
  });

  it('ends at the target size on the built-in set, having learned', async () => {
    const builtin = generateBuiltin({ seed: 5, size: 16, trainCount: 320, testCount: 64 });
    const trainer = new Trainer(
      builtin,
      // the loss gate waits for 60 losses, as many as this run has: it is tested on its own
      micro({ epochs: 6, targetParamsKept: 40, pruneStart: 0.1, pruneLossDrop: 0 }),
    );
    let tensors = 0;
    const losses: number[] = [];
    let report;
    while (trainer.epoch < trainer.config.epochs) {
      const { endOfEpoch } = trainer.trainStep();
      losses.push(...(await trainer.readStepMetrics()).map((m) => m.crossEntropy));
      // after the first step, which creates the optimiser's momentum slots
      if (trainer.step === 1) tensors = tf.memory().numTensors;
      await trainer.pruneIfDue();
      if (endOfEpoch) report = await trainer.endEpoch();
    }
    expect(trainer.pruningPolicy.state.closed).toBe(true);
    // cuts replace variables one for one, and the fading masks are gone with the window
    expect(tf.memory().numTensors).toBe(tensors);
    expect(Math.abs(100 * report!.size.paramsKept - 40)).toBeLessThanOrEqual(3);
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    expect(mean(losses.slice(-10))).toBeLessThan(mean(losses.slice(0, 10)));
    trainer.dispose();
  }, 180_000);
});
