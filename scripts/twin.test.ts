// The PyTorch twin (python/) from the TypeScript side: a recipe from src/recipe.ts trains there,
// its run log reads with src/runLog.ts, its model loads in TF.js and scores the test split exactly
// as PyTorch scored it, its TensorBoard event files are the studio's for its log, and its steps
// follow the TypeScript Trainer's on the same data. Skipped with a message where no python3 can
// import torch.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrainConfig } from '../src/config';
import { loadCifar } from '../src/data/cifar';
import { resizeSplit } from '../src/data/resize';
import { presetConfig } from '../src/presets';
import { recipeFor } from '../src/recipe';
import { decodeRunLog } from '../src/runLog';
import { decodeEventFile } from '../src/runs/tensorboard/eventFile';
import { runLogToEventFiles } from '../src/runs/tensorboard/runEvents';
import { cifar10Records } from '../src/testing/cifarFixtures';
import { IMAGE_PREPARATION, parseModelLabels } from '../src/train/modelLabels';
import { Trainer } from '../src/train/trainer';
import { sourcesFromPath } from './lib/files';
import { loadModelFolder, pythonWithTorch } from './lib/twin';

const python = pythonWithTorch();
if (!python) console.warn('skipping the PyTorch twin round trip: no python3 here can import torch');

const folder = mkdtempSync(join(tmpdir(), 'twin-'));
const data = join(folder, 'data');
mkdirSync(data);
const labels = (count: number) => Array.from({ length: count }, (_, i) => (i * 7) % 10);
writeFileSync(join(data, 'data_batch_1.bin'), cifar10Records(labels(64), 1));
writeFileSync(join(data, 'test_batch.bin'), cifar10Records(labels(40), 2));
afterAll(() => rmSync(folder, { recursive: true }));

const tinyConfig: TrainConfig = {
  ...presetConfig('micro'),
  widthMultiplier: 0.25,
  inputSize: 8,
  epochs: 2,
  batchSize: 16,
};

/** Trains `config` in the twin; returns its output folder. */
function trainInTwin(name: string, config: TrainConfig): string {
  writeFileSync(
    join(folder, `${name}.json`),
    JSON.stringify(recipeFor(config, { name: 'CIFAR-10', kind: 'cifar10' })),
  );
  const out = join(folder, name);
  const run = spawnSync(
    python!,
    [
      '-m',
      'lowrank_studio',
      '--recipe',
      join(folder, `${name}.json`),
      '--data',
      data,
      '--out',
      out,
      '--device',
      'cpu',
    ],
    { cwd: 'python', encoding: 'utf8', timeout: 300_000 },
  );
  expect(run.status, run.stderr).toBe(0);
  return out;
}

describe.skipIf(!python)('the PyTorch twin', () => {
  it('trains an exported recipe into a run log and a TF.js model that agree with it', async () => {
    const out = trainInTwin('pruned', tinyConfig);
    const log = decodeRunLog(readFileSync(join(out, 'run-log.jsonl'), 'utf8'));
    expect(log.header.config).toEqual(tinyConfig);
    expect(log.header.stepsPerEpoch).toBe(4);
    expect(log.lastStep).toBe(8);
    expect(log.history.steps.main!.step.length).toBe(8);

    const report = JSON.parse(readFileSync(join(out, 'export-report.json'), 'utf8'));
    const model = await loadModelFolder(out);
    expect(model.countParams()).toBe(report.params.exported);
    const dataset = await loadCifar(sourcesFromPath(data));
    const test = resizeSplit(dataset.test, dataset.height, tinyConfig.inputSize);
    const predicted = tf.tidy(() => {
      const images = tf.tensor4d(test.images, [test.count, 8, 8, 3], 'float32').div(255);
      return (model.predict(images) as tf.Tensor2D).argMax(1).dataSync();
    });
    const correct = predicted.filter((label, i) => label === test.labels[i]).length;
    expect(correct / test.count).toBeCloseTo(report.testAccuracy, 6);
    model.dispose();
    // labels.json as the studio writes it: Try it and plain TF.js read the twin's export too
    const labels = parseModelLabels(JSON.parse(readFileSync(join(out, 'labels.json'), 'utf8')));
    expect(labels).toMatchObject({
      classNames: dataset.classNames,
      inputSize: tinyConfig.inputSize,
      imageSide: dataset.height,
      input: { preparation: IMAGE_PREPARATION },
      normalisation: { inModel: true },
      output: 'logits',
    });
    const modelJson = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    expect(modelJson.userDefinedMetadata).toEqual(labels);
    // its TensorBoard event files: the studio's of the same log, from the run's start
    const name = readdirSync(out).find((file) => file.startsWith('events.out.tfevents.'))!;
    const written = readFileSync(join(out, name));
    const startWallTime = decodeEventFile(written)[0].wallTime;
    const [studio] = runLogToEventFiles(log, { startWallTime });
    expect(studio.path).toBe(name);
    expect(Buffer.compare(written, Buffer.from(studio.bytes))).toBe(0);
  }, 300_000);

  it("takes the TypeScript Trainer's steps on the same data: sampling, augmentation, losses", async () => {
    const config = { ...tinyConfig, pruning: false };
    const log = decodeRunLog(
      readFileSync(join(trainInTwin('unpruned', config), 'run-log.jsonl'), 'utf8'),
    );
    const trainer = new Trainer(await loadCifar(sourcesFromPath(data)), config);
    for (let step = 0; step < 8; step++) trainer.trainStep();
    const steps = await trainer.readStepMetrics();
    trainer.dispose();
    const twin = log.history.steps.main!;
    const differences = steps.map((metrics, i) =>
      Math.abs(metrics.crossEntropy - twin.crossEntropy[i]),
    );
    console.log(
      `twin vs TF.js over 8 steps, max abs difference of the cross-entropy: ${Math.max(...differences).toExponential(2)}`,
    );
    expect(Math.max(...differences)).toBeLessThan(1e-3);
    expect(Array.from(twin.trainAccuracy)).toEqual(steps.map((m) => m.trainAccuracy));
  }, 300_000);
});
