// Reaching the PyTorch twin (python/) and what it writes from Node: the python3 that can import
// torch, and a LayersModel folder (model.json + model.weights.bin) loaded back into TF.js.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The first python3 that imports torch, or undefined. A Python manager's python3 may come first
 * on PATH without Debian's packages, so the system one is tried too.
 */
export function pythonWithTorch(): string | undefined {
  return ['python3', '/usr/bin/python3'].find(
    (candidate) => spawnSync(candidate, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0,
  );
}

/** Loads the model.json and model.weights.bin of `folder` with plain tf.loadLayersModel. */
export function loadModelFolder(folder: string): Promise<tf.LayersModel> {
  const modelJson = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8'));
  const weights = readFileSync(join(folder, 'model.weights.bin'));
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest[0].weights,
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    }),
  );
}
