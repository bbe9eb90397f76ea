import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { generateBuiltin } from '../data/builtin';
import { presetConfig } from '../presets';
import { isPruneEpoch, lambdaRankAt, learningRateAt } from './schedules';
import { resizeSplit, Trainer } from './trainer';

const data = generateBuiltin({ seed: 3, size: 16, trainCount: 96, testCount: 40 });
const micro = (overrides = {}) => presetConfig('micro', { batchSize: 32, epochs: 4, ...overrides });

async function runSteps(trainer: Trainer, steps: number) {
  for (let i = 0; i < steps; i++) trainer.trainStep();
  return trainer.readStepMetrics();
}

describe('schedules', () => {
  const config = presetConfig('paper-recipe');
  it('step decay x0.1 at 50% and 75%, cosine to 0, warm-up', () => {
    expect(learningRateAt(config, 0)).toBeCloseTo(0.1);
    expect(learningRateAt(config, 82)).toBeCloseTo(0.01);
    expect(learningRateAt(config, 123)).toBeCloseTo(0.001);
    expect(learningRateAt({ ...config, schedule: 'cosine' }, 82)).toBeCloseTo(0.05);
    expect(learningRateAt({ ...config, warmupEpochs: 2 }, 1)).toBeCloseTo(0.05);
  });
  it('lambda_r ramps over 5 epochs; pruning from 10% to 50% of the run', () => {
    expect(lambdaRankAt(config, 2.5)).toBeCloseTo(0.015);
    expect(lambdaRankAt(config, 50)).toBeCloseTo(0.03);
    expect(isPruneEpoch(config, 15)).toBe(false);
    expect(isPruneEpoch(config, 16)).toBe(true);
    expect(isPruneEpoch(config, 82)).toBe(true);
    expect(isPruneEpoch(config, 83)).toBe(false);
    expect(isPruneEpoch({ ...config, mode: 'dense' }, 20)).toBe(false);
  });
});

describe('resizeSplit', () => {
  it('halves an image by averaging 2x2 blocks, per channel', () => {
    const images = Uint8Array.from({ length: 4 * 4 * 3 }, (_, i) =>
      i % 3 === 0 ? 4 * Math.floor(i / 3) : 7,
    );
    const small = resizeSplit({ images, labels: Uint8Array.of(5), count: 1 }, 4, 2);
    // red of pixel (0, 0) averages pixels 0, 1, 4, 5 -> (0 + 4 + 16 + 20) / 4 = 10
    expect(Array.from(small.images.subarray(0, 3))).toEqual([10, 7, 7]);
    expect(small.images.length).toBe(12);
    expect(Array.from(small.labels)).toEqual([5]);
  });
});

describe('Trainer', () => {
  it('runs epochs with finite metrics, prunes on schedule and keeps the tensor count flat', async () => {
    const trainer = new Trainer(data, micro({ pruneThreshold: 0.3, lambdaRank: 0.1 }));
    expect(trainer.stepsPerEpoch).toBe(3);
    const fullRanks = trainer.layers.map((l) => l.s.shape[0]);
    const initialFactorisedParams = trainer.accounting().factorised.params;
    const counts: number[] = [];
    const reports = [];
    for (let epoch = 0; epoch < 2; epoch++) {
      for (let step = 0; step < 3; step++) {
        const { endOfEpoch } = trainer.trainStep();
        expect(endOfEpoch).toBe(step === 2);
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
    // micro: 4 epochs, pruning from round(0.2*4)=1 to floor(0.7*4)=2, tau = 0.3
    const events = reports.flatMap((r) => r.pruneEvents);
    expect(events.length).toBeGreaterThan(0);
    const ranks = trainer.layers.map((l) => l.s.shape[0]);
    ranks.forEach((rank, i) => expect(rank).toBeLessThanOrEqual(fullRanks[i]));
    expect(reports[1].accounting.factorised.params).toBeLessThan(initialFactorisedParams);
    expect(reports[1].paramsKept).toBeLessThanOrEqual(1);
    expect(reports[1].spectra).toHaveLength(trainer.layers.length);
    // pruning replaces variables one for one, and every step's tensors were released
    expect(counts[1]).toBe(counts[0]);
    trainer.dispose();
  });

  it('live hyper-parameters take effect at the next step; bad values are refused', async () => {
    const trainer = new Trainer(data, micro({ rankRampEpochs: 0 }));
    await runSteps(trainer, 1);
    await trainer.setHyperparameters({ lambdaRank: 0.2, learningRate: 0.01 });
    const [next] = await runSteps(trainer, 1);
    expect(next.lambdaRank).toBeCloseTo(0.2);
    expect(next.learningRate).toBeCloseTo(0.01);
    await expect(trainer.setHyperparameters({ lambdaOrth: Number.NaN })).rejects.toThrow(
      /lambdaOrth must be a finite number/,
    );
    await expect(trainer.setHyperparameters({ architecture: 'resnet56' })).rejects.toThrow(
      /cannot change architecture while a job runs/,
    );
    expect(trainer.config.lambdaOrth).toBe(1);
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
    expect(report.paramsKept).toBe(1);
    trainer.dispose();
  });
});
