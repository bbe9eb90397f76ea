import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { generateBuiltin } from '../data/builtin';
import { forward } from '../model/resnet';
import { denseMatrix, reconstruct, svd } from '../lowrank/svd';
import { presetConfig } from '../presets';
import { postHocCheckpoint, truncatedVariables } from './postHoc';
import { Trainer } from './trainer';

const data = generateBuiltin({ seed: 5, size: 16, trainCount: 64, testCount: 16 });
const recipe = (mode: 'dense' | 'lowrank') =>
  presetConfig('micro', { widthMultiplier: 0.25, batchSize: 32, epochs: 4, mode });

async function trainedDense() {
  const dense = new Trainer(data, recipe('dense'));
  for (let i = 0; i < 2; i++) dense.trainStep();
  await dense.readStepMetrics();
  return dense;
}

const logitsOf = (trainer: Trainer, images: tf.Tensor4D) =>
  tf.tidy(() => forward(trainer.model, images, false).arraySync());

describe('post-hoc truncation', () => {
  it('at full rank, the factorised network computes what the dense one did', async () => {
    const dense = await trainedDense();
    const lowrank = new Trainer(data, recipe('lowrank'));
    const fullRanks = lowrank.layers.map((layer) => ({
      name: layer.name.slice(lowrank.model.prefix.length + 1),
      rank: layer.s.shape[0],
    }));
    lowrank.dispose();
    const restored = Trainer.restore(
      data,
      postHocCheckpoint(await dense.checkpoint(), recipe('lowrank'), fullRanks),
    );
    const images = tf.randomNormal<tf.Rank.R4>([4, 16, 16, 3], 0, 1, 'float32', 7);
    const expected = logitsOf(dense, images);
    const got = logitsOf(restored, images);
    got.flat().forEach((value, i) => expect(value).toBeCloseTo(expected.flat()[i], 3));
    images.dispose();
    // the dense run's place in the recipe carries over; pruning is off
    expect(restored.step).toBe(dense.step);
    expect(restored.config).toMatchObject({ mode: 'lowrank', pruning: false });
    dense.dispose();
    restored.dispose();
  });

  it('keeps each layer at its rank: the best rank-r approximation of its kernel', async () => {
    const dense = await trainedDense();
    const checkpoint = await dense.checkpoint();
    const kernel = checkpoint.variables.find((v) => v.name === 'stage3/block1/conv2/kernel')!;
    const factorsOf = truncatedVariables(checkpoint.variables, [
      { name: 'stage3/block1/conv2', rank: 2 },
    ]);
    const factor = (suffix: string) =>
      factorsOf.find((v) => v.name === `stage3/block1/conv2/${suffix}`)!;
    expect(factorsOf.some((v) => v.name === 'stage3/block1/conv2/kernel')).toBe(false);
    const [rows, cols] = [9 * kernel.shape[2], kernel.shape[3]];
    expect(factor('U').shape).toEqual([rows, 2]);
    expect(factor('V').shape).toEqual([cols, 2]);
    // the two strongest directions: U diag(s) V^T leaves exactly the other singular values out
    const full = svd(denseMatrix(rows, cols, kernel.values));
    expect(Array.from(factor('s').values)).toEqual(
      Array.from(Float32Array.from(full.s.subarray(0, 2))),
    );
    const kept = reconstruct({
      U: denseMatrix(rows, 2, factor('U').values),
      s: Float64Array.from(factor('s').values),
      V: denseMatrix(cols, 2, factor('V').values),
    });
    const residual = Math.hypot(...kernel.values.map((v, i) => v - kept.data[i]));
    expect(residual).toBeCloseTo(Math.hypot(...full.s.subarray(2)), 4);
    // every other variable is the dense run's
    expect(factorsOf.filter((v) => !v.name.startsWith('stage3/block1/conv2/'))).toHaveLength(
      checkpoint.variables.length - 1,
    );
    dense.dispose();
  });

  it('refuses a checkpoint of another recipe or network', async () => {
    const dense = await trainedDense();
    const checkpoint = await dense.checkpoint();
    expect(() =>
      postHocCheckpoint(checkpoint, { ...recipe('lowrank'), widthMultiplier: 0.5 }, []),
    ).toThrow(/same recipe \(widthMultiplier differ\)/);
    expect(() =>
      postHocCheckpoint(checkpoint, { ...recipe('lowrank'), learningRate: 0.02 }, []),
    ).toThrow(/same recipe \(learningRate differ\)/);
    expect(() => truncatedVariables(checkpoint.variables, [{ name: 'nope', rank: 1 }])).toThrow(
      /no nope\/kernel/,
    );
    expect(() =>
      truncatedVariables(checkpoint.variables, [{ name: 'stage1/block1/conv1', rank: 99 }]),
    ).toThrow(/rank 99 does not fit/);
    dense.dispose();
  });
});
