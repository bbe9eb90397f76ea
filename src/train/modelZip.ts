// An exported model's zip read back, for Try it: model.json and its weight files loaded as a
// LayersModel from memory (as a user's tf.loadLayersModel would load them from a folder), with
// labels.json, or model.json's metadata, or numbered classes for a zip from before either.
import * as tf from '@tensorflow/tfjs';
import { strFromU8, unzipSync } from 'fflate';
import { parseModelLabels, unnamedLabels, type ModelLabels } from './modelLabels';

export interface LoadedModel {
  model: tf.LayersModel;
  labels: ModelLabels;
}

const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);

/** The zip's files by base name (a zip re-made from a folder may nest them), macOS extras left out. */
function filesByName(zip: Uint8Array): Map<string, Uint8Array> {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(zip, { filter: (file) => !file.name.includes('__MACOSX/') });
  } catch (error) {
    throw new Error(`this is not a zip file (${(error as Error).message})`, { cause: error });
  }
  return new Map(Object.entries(entries).map(([path, bytes]) => [baseName(path), bytes]));
}

function parseJson(bytes: Uint8Array, name: string): Record<string, unknown> {
  try {
    return JSON.parse(strFromU8(bytes));
  } catch {
    throw new Error(`${name} in the zip is not valid JSON`);
  }
}

/** The weight files model.json lists, in order, as one buffer. */
function weightData(files: Map<string, Uint8Array>, manifest: tf.io.WeightsManifestConfig) {
  const parts = manifest
    .flatMap((group) => group.paths)
    .map((path) => {
      const bytes = files.get(baseName(path));
      if (!bytes) throw new Error(`the zip has no ${path}, which model.json needs`);
      return bytes;
    });
  const joined = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return joined.buffer;
}

/** The square RGB input side and the class count of a loaded model, or an error saying why not. */
function modelShape(model: tf.LayersModel): { inputSize: number; classCount: number } {
  const [, height, width, channels] = model.inputs[0].shape;
  const output = model.outputs[0].shape;
  if (model.inputs.length !== 1 || height !== width || channels !== 3 || !height)
    throw new Error(
      `the model takes ${JSON.stringify(model.inputs[0].shape)}, not square RGB images`,
    );
  if (output.length !== 2 || !output[1])
    throw new Error('the model does not give one score per class');
  return { inputSize: height, classCount: output[1] };
}

/** Loads the zip the studio's "Download compressed model" gives. The caller disposes the model. */
export async function loadModelZip(zip: Uint8Array): Promise<LoadedModel> {
  const files = filesByName(zip);
  const modelBytes = files.get('model.json');
  if (!modelBytes)
    throw new Error(
      "the zip has no model.json: choose a zip from the studio's Download compressed model",
    );
  const json = parseJson(modelBytes, 'model.json');
  const manifest = json.weightsManifest as tf.io.WeightsManifestConfig | undefined;
  if (!json.modelTopology || !Array.isArray(manifest))
    throw new Error('model.json is not a TF.js LayersModel (no modelTopology or weightsManifest)');
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology as object,
      weightSpecs: manifest.flatMap((group) => group.weights),
      weightData: weightData(files, manifest),
      userDefinedMetadata: json.userDefinedMetadata as object | undefined,
    }),
  );
  try {
    const labelsBytes = files.get('labels.json');
    const { inputSize, classCount } = modelShape(model);
    const labels = labelsBytes
      ? parseModelLabels(parseJson(labelsBytes, 'labels.json'))
      : json.userDefinedMetadata
        ? parseModelLabels(json.userDefinedMetadata)
        : unnamedLabels(classCount, inputSize);
    if (labels.classNames.length !== classCount || labels.inputSize !== inputSize)
      throw new Error(
        `labels.json describes ${labels.classNames.length} classes at ${labels.inputSize} px, but the model gives ${classCount} at ${inputSize} px: they come from different exports`,
      );
    return { model, labels };
  } catch (error) {
    model.dispose();
    throw error;
  }
}
