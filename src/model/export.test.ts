import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { generateBuiltin } from '../data/builtin';
import { presetConfig } from '../presets';
import { maxAbsDiff } from '../testing/tensors';
import { Trainer } from '../train/trainer';
import { exportLayersModel, loadFromFiles, saveToFiles } from './export';
import { forward } from './resnet';

const data = generateBuiltin({ seed: 2, size: 16, trainCount: 64, testCount: 16 });

async function trained(overrides = {}) {
  const trainer = new Trainer(
    data,
    presetConfig('micro', { widthMultiplier: 0.25, batchSize: 16, epochs: 2, ...overrides }),
  );
  for (let i = 0; i < 3; i++) trainer.trainStep();
  await trainer.readStepMetrics();
  return trainer;
}

async function roundTrip(trainer: Trainer) {
  const { layersModel, forms } = exportLayersModel(trainer.model, trainer.stats);
  const files = await saveToFiles(layersModel);
  const loaded = await loadFromFiles(files);
  const pixels = tf.randomUniform([3, 16, 16, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
  const normalised = tf.tidy(() =>
    tf.div(tf.sub(pixels, trainer.stats.mean), trainer.stats.std),
  ) as tf.Tensor4D;
  const expected = forward(trainer.model, normalised, false);
  const actual = loaded.predict(pixels) as tf.Tensor;
  const difference = maxAbsDiff(actual, expected);
  const result = {
    difference,
    forms,
    params: loaded.countParams(),
    reported: layersModel.countParams(),
    loaded,
  };
  tf.dispose([pixels, normalised, expected, actual]);
  layersModel.dispose();
  return result;
}

describe('export to a standard LayersModel', () => {
  it('a pruned low-rank model loads back and matches the eval-mode forward', async () => {
    const trainer = await trained({ maxRank: 3 });
    const { difference, forms, params, reported, loaded } = await roundTrip(trainer);
    expect(difference).toBeLessThan(1e-4);
    expect(params).toBe(reported);
    expect(forms.filter((f) => f.form === 'lowrank').length).toBeGreaterThan(0);
    expect(loaded.layers.every((l) => !l.getClassName().includes('Factor'))).toBe(true);
    loaded.dispose();
    trainer.dispose();
  });

  it('a full-rank low-rank model exports merged kernels; a dense baseline exports as is', async () => {
    for (const mode of ['lowrank', 'dense'] as const) {
      const trainer = await trained({ mode });
      const { difference, forms, loaded } = await roundTrip(trainer);
      expect(difference).toBeLessThan(1e-4);
      expect(
        forms.every(
          (f) =>
            f.form ===
            (mode === 'dense' ? 'dense' : f.name.startsWith('stem') ? 'dense' : 'composed'),
        ),
      ).toBe(true);
      loaded.dispose();
      trainer.dispose();
    }
  });

  it('exports the projection shortcuts of ResNet-18', async () => {
    const trainer = await trained({
      architecture: 'resnet18',
      widthMultiplier: 0.0625,
      maxRank: 2,
    });
    const { difference, loaded } = await roundTrip(trainer);
    expect(difference).toBeLessThan(1e-4);
    loaded.dispose();
    trainer.dispose();
  });
});
