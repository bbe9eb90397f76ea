import { describe, expect, it } from 'vitest';
import { generateBuiltin } from '../data/builtin';
import { presetConfig } from '../presets';
import { decodeCheckpoint, encodeCheckpoint } from './checkpointFile';
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
});
