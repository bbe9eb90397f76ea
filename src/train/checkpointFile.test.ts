import { describe, expect, it } from 'vitest';
import { generateBuiltin } from '../data/builtin';
import { presetConfig } from '../presets';
import { decodeCheckpoint, encodeCheckpoint, upgradeCheckpoint } from './checkpointFile';
import { Trainer } from './trainer';

describe('checkpoint files', () => {
  it('round-trip a trainer checkpoint exactly, and the restored run continues identically', async () => {
    const data = generateBuiltin({ seed: 4, size: 16, trainCount: 48, testCount: 16 });
    const trainer = new Trainer(
      data,
      presetConfig('micro', { widthMultiplier: 0.25, batchSize: 16 }),
    );
    trainer.trainStep();
    await trainer.readStepMetrics();
    const checkpoint = await trainer.checkpoint();
    const decoded = decodeCheckpoint(encodeCheckpoint(checkpoint));
    expect(decoded.variables.map((v) => v.name)).toEqual(checkpoint.variables.map((v) => v.name));
    decoded.variables.forEach((v, i) => expect(v.values).toEqual(checkpoint.variables[i].values));
    expect(decoded.cursor.order).toEqual(checkpoint.cursor.order);
    expect(decoded.optimiser.slots[0].values).toEqual(checkpoint.optimiser.slots[0].values);
    trainer.trainStep();
    const [expected] = await trainer.readStepMetrics();
    const restored = Trainer.restore(data, decoded);
    restored.trainStep();
    const [actual] = await restored.readStepMetrics();
    expect(actual.total).toBeCloseTo(expected.total, 5);
    trainer.dispose();
    restored.dispose();
  });

  it('rejects other files and damaged ones with a clear message', () => {
    expect(() => decodeCheckpoint(new TextEncoder().encode('{"hello": 1}'))).toThrow(
      /not a checkpoint of this studio/,
    );
    const bytes = new TextEncoder().encode(
      'LOWRANK-STUDIO-CHECKPOINT 1\n{"version":1,"variables":[{"values":{"$typed":"f32","offset":0,"length":99}}]}\n',
    );
    expect(() => decodeCheckpoint(bytes)).toThrow(/damaged: the checkpoint file is truncated/);
  });

  it('resumes a run inside the pruning window: the same cuts and fading as the original', async () => {
    const data = generateBuiltin({ seed: 4, size: 16, trainCount: 64, testCount: 16 });
    const config = presetConfig('micro', {
      widthMultiplier: 0.25,
      batchSize: 16,
      epochs: 4,
      targetParamsKept: 40,
      pruneStart: 0,
      pruneLossDrop: 0,
      pruneInterval: 0.1,
    });
    const run = async (trainer: Trainer, steps: number) => {
      const ranks: number[][] = [];
      for (let i = 0; i < steps; i++) {
        trainer.trainStep();
        await trainer.readStepMetrics();
        await trainer.pruneIfDue();
        ranks.push(trainer.layers.map((l) => l.s.shape[0]));
      }
      return ranks;
    };
    const original = new Trainer(data, config);
    await run(original, 3);
    expect(original.pruningPolicy.state.fading.flat().length).toBeGreaterThan(0);
    const saved = decodeCheckpoint(encodeCheckpoint(await original.checkpoint()));
    const expected = await run(original, 6);
    const restored = Trainer.restore(data, saved);
    expect(await run(restored, 6)).toEqual(expected);
    const [a, b] = await Promise.all([original.layers[2].s.data(), restored.layers[2].s.data()]);
    Array.from(a).forEach((value, i) => expect(b[i]).toBeCloseTo(value, 4));
    original.dispose();
    restored.dispose();
  });

  it('reads a version 1 checkpoint: schedules in epochs become fractions of the run', async () => {
    const data = generateBuiltin({ seed: 4, size: 16, trainCount: 32, testCount: 16 });
    const trainer = new Trainer(data, presetConfig('micro', { widthMultiplier: 0.25 }));
    const current = await trainer.checkpoint();
    trainer.dispose();
    const { warmupFraction, rankRampFraction, ...older } = current.config;
    expect([warmupFraction, rankRampFraction]).toHaveLength(2);
    const { pruningPolicy, ...rest } = current;
    expect(pruningPolicy.closed).toBe(false);
    const upgraded = upgradeCheckpoint({
      ...rest,
      version: 1,
      config: { ...older, epochs: 20, warmupEpochs: 2, rankRampEpochs: 5 },
    });
    expect(upgraded.version).toBe(2);
    expect(upgraded.config.warmupFraction).toBeCloseTo(0.1);
    expect(upgraded.config.rankRampFraction).toBeCloseTo(0.25);
    expect(upgraded.config.targetParamsKept).toBe(presetConfig('micro').targetParamsKept);
    expect(upgraded.pruningPolicy.closed).toBe(false);
    expect('warmupEpochs' in upgraded.config).toBe(false);
    expect(() => upgradeCheckpoint({ version: 7, variables: [] })).toThrow(/version 7/);
  });
});
