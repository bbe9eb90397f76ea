import * as tf from '@tensorflow/tfjs';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { modelZip } from '../bridge/download';
import { makeBatch } from '../data/batches';
import { generateBuiltin } from '../data/builtin';
import { CHANNELS } from '../data/dataset';
import { forward } from '../model/resnet';
import { presetConfig } from '../presets';
import type { SquareImage } from '../protocol';
import { exportJob } from './exporter';
import { loadModelZip } from './modelZip';
import { classifyWithLayersModel, classifyWithModel, imageBatch } from './predict';
import { Trainer } from './trainer';

const data = generateBuiltin({ seed: 4, size: 16, trainCount: 64, testCount: 16 });
const trainer = new Trainer(
  data,
  presetConfig('micro', { widthMultiplier: 0.25, batchSize: 16, epochs: 2 }),
);
for (let i = 0; i < 3; i++) trainer.trainStep();
await trainer.readStepMetrics();
afterAll(() => trainer.dispose());

const side = data.height;
const testImage = (index: number): SquareImage => {
  const bytes = side * side * CHANNELS;
  return { pixels: data.test.images.slice(index * bytes, (index + 1) * bytes), side };
};
const prepared = { inputSize: 16, stats: trainer.stats, classNames: data.classNames };

async function exportedZip(): Promise<Uint8Array> {
  const { report, files, labels } = await exportJob(trainer, data.name);
  return modelZip({ ...files, report, labels });
}

describe('imageBatch', () => {
  it('normalises by the training statistics: ((v / 255) - mean) / std per channel', async () => {
    const image = testImage(0);
    const batch = imageBatch(image, side, trainer.stats);
    expect(batch.shape).toEqual([1, side, side, 3]);
    const values = await batch.data();
    batch.dispose();
    for (const at of [0, 1, 2, 100, 767]) {
      const c = at % 3;
      const expected = (image.pixels[at] / 255 - trainer.stats.mean[c]) / trainer.stats.std[c];
      expect(values[at]).toBeCloseTo(expected, 5);
    }
  });

  it('resizes from the stored side as the trainer does: halving averages 2 x 2 pixels', async () => {
    const pixels = new Uint8Array(4 * 4 * 3).map((_, i) => (i * 7) % 256);
    const batch = imageBatch({ pixels, side: 4 }, 2, { mean: [0, 0, 0], std: [1, 1, 1] });
    const values = await batch.data();
    batch.dispose();
    // output pixel (0, 0), red: input pixels (0,0), (0,1), (1,0), (1,1) at 3 bytes each
    const mean = [0, 3, 12, 15].reduce((sum, at) => sum + pixels[at], 0) / 4;
    expect(values[0]).toBeCloseTo(Math.round(mean) / 255, 6);
  });
});

describe('classifying one image', () => {
  it('gives the job network’s eval-mode softmax, top three, and frees every tensor', async () => {
    const before = tf.memory().numTensors;
    const guesses = await classifyWithModel(trainer.model, testImage(3), prepared);
    expect(tf.memory().numTensors).toBe(before);
    const batch = makeBatch(data.test, { height: 16, width: 16 }, Uint32Array.of(3), trainer.stats);
    const expected = tf.tidy(() => tf.softmax(forward(trainer.model, batch.images, false)));
    const probabilities = await expected.data();
    tf.dispose([expected, batch.images, batch.labels]);
    expect(guesses).toHaveLength(3);
    for (const guess of guesses) {
      expect(guess.name).toBe(data.classNames[guess.label]);
      expect(guess.probability).toBeCloseTo(probabilities[guess.label], 5);
    }
    const best = Math.max(...probabilities);
    expect(guesses[0].probability).toBeCloseTo(best, 5);
    expect(guesses.reduce((sum, g) => sum + g.probability, 0)).toBeLessThanOrEqual(1 + 1e-6);
  });

  it('the exported zip, loaded back, answers as the job does on images in [0, 1]', async () => {
    const { model, labels } = await loadModelZip(await exportedZip());
    expect(labels.classNames).toEqual(data.classNames);
    expect(labels).toMatchObject({ inputSize: 16, imageSide: 16 });
    expect(model.getUserDefinedMetadata()).toEqual(labels);
    const before = tf.memory().numTensors;
    for (const index of [0, 5]) {
      const fromZip = await classifyWithLayersModel(model, testImage(index), labels);
      const fromJob = await classifyWithModel(trainer.model, testImage(index), prepared);
      expect(fromZip.map((g) => g.label)).toEqual(fromJob.map((g) => g.label));
      fromZip.forEach((g, i) => expect(g.probability).toBeCloseTo(fromJob[i].probability, 4));
    }
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});

describe('loadModelZip', () => {
  it('takes the labels from model.json where the zip has no labels.json, else numbers classes', async () => {
    const files = unzipSync(await exportedZip());
    delete files['labels.json'];
    const fromMetadata = await loadModelZip(zipSync(files));
    expect(fromMetadata.labels.classNames).toEqual(data.classNames);
    fromMetadata.model.dispose();
    const json = JSON.parse(new TextDecoder().decode(files['model.json']));
    delete json.userDefinedMetadata;
    files['model.json'] = strToU8(JSON.stringify(json));
    const bare = await loadModelZip(zipSync(files));
    expect(bare.labels.classNames).toEqual(data.classNames.map((_, i) => `class ${i}`));
    bare.model.dispose();
  });

  it('refuses what is not an exported model, or labels of another export, saying why', async () => {
    await expect(loadModelZip(strToU8('not a zip'))).rejects.toThrow(/not a zip file/);
    await expect(loadModelZip(zipSync({ 'a.txt': strToU8('x') }))).rejects.toThrow(/no model.json/);
    const files = unzipSync(await exportedZip());
    const labels = JSON.parse(new TextDecoder().decode(files['labels.json']));
    files['labels.json'] = strToU8(JSON.stringify({ ...labels, classNames: ['a', 'b'] }));
    const before = tf.memory().numTensors;
    await expect(loadModelZip(zipSync(files))).rejects.toThrow(/different exports/);
    expect(tf.memory().numTensors).toBe(before);
    delete files['model.weights.bin'];
    await expect(loadModelZip(zipSync(files))).rejects.toThrow(/no model.weights.bin/);
  });
});
