import { expect, test } from '@playwright/test';
import * as tf from '@tensorflow/tfjs';
import { strFromU8, unzipSync } from 'fflate';
import { readFileSync } from 'node:fs';
import { Studio } from './studio';

// The test itself runs TF.js in Node to load the downloaded model: no tfjs-node banner.
tf.env().set('PROD', true);

test('the downloaded model loads with plain tf.loadLayersModel, and a checkpoint resumes the run', async ({
  page,
}) => {
  test.setTimeout(300_000);
  const studio = new Studio(page);
  // on WebGPU (SwiftShader here) the run is still going when the test pauses it; wasm runs the
  // whole micro job in about a second
  await studio.open(
    '?preset=micro&widthMultiplier=0.25&epochs=3&batchSize=16&trainLimit=32&testLimit=16&maxRank=3&backend=webgpu',
  );
  await page.getByTestId('start').click();
  await studio.waitForSteps(2);
  await page.getByTestId('pause').click();
  await expect(studio.runState()).toHaveText('paused');
  const pausedAt = await studio.stepCount();

  const modelDownload = page.waitForEvent('download');
  await page.getByTestId('download-model').click();
  const zip = await modelDownload;
  expect(zip.suggestedFilename()).toMatch(/^resnet8-lowrank-step\d+\.zip$/);
  const files = unzipSync(readFileSync(await zip.path()));
  const modelJson = JSON.parse(strFromU8(files['model.json']));
  const report = JSON.parse(strFromU8(files['report.json']));
  const weights = files['model.weights.bin'];
  const runLog = strFromU8(files['run-log.jsonl']);
  expect(JSON.parse(runLog.split('\n')[0])).toMatchObject({
    type: 'header',
    format: 'lowrank-studio-run-log',
    config: { architecture: 'resnet8' },
  });
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest[0].weights,
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    }),
  );
  expect(model.countParams()).toBe(report.params.exported);
  expect(report.testAccuracy).toBeGreaterThanOrEqual(0);
  expect(report.layers.some((l: { form: string }) => l.form === 'lowrank')).toBe(true);
  const logits = model.predict(tf.ones([2, 16, 16, 3]).mul(0.5)) as tf.Tensor;
  expect(logits.shape).toEqual([2, 10]);
  expect(Array.from(await logits.data()).every(Number.isFinite)).toBe(true);
  const timing = page.getByTestId('inference-timing');
  await expect(timing).toContainText(
    /\d+\.\d+ ms vs \d+\.\d+ ms dense: \d+\.\d+× (faster|slower)/,
    {
      timeout: 120_000,
    },
  );
  await expect(timing).toContainText(/MACs ratio \d+\.\d+×/);

  const checkpointDownload = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Save checkpoint' }).click();
  const checkpoint = await checkpointDownload;
  expect(checkpoint.suggestedFilename()).toMatch(/\.lrckpt$/);
  const checkpointPath = await checkpoint.path();

  await page.getByTestId('reset').click();
  await expect(page.getByTestId('step-counter')).toHaveText('0');
  // the run log inside the zip opens in the studio and shows the run up to the download
  await page.getByTestId('run-log-file').setInputFiles({
    name: 'run-log.jsonl',
    mimeType: 'application/jsonl',
    buffer: Buffer.from(runLog),
  });
  await expect(page.getByTestId('run-log-step')).toHaveText(String(pausedAt));
  await expect(page.getByTestId('run-log-view')).toContainText('Low-rank studio (TF.js');
  await page.getByTestId('checkpoint-file').setInputFiles(checkpointPath);
  await expect(studio.runState()).toHaveText('paused');
  await expect(page.getByTestId('step-counter')).toHaveText(String(pausedAt));
  await page.getByTestId('resume').click();
  await studio.waitForSteps(pausedAt + 1);
  await expect(page.getByTestId('error')).toHaveCount(0);
});
