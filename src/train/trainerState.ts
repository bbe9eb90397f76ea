// A trainer's state as a checkpoint holds it: the network's variables by name (relative to the
// model, so a restored model may carry another prefix), and the dataset it was trained on.
import type { FolderInfo } from '../data/folderInfo';
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../config';
import type { EpochCursor } from '../data/batches';
import { matrixShape } from '../lowrank/factorised';
import type { OptimiserSnapshot } from '../lowrank/optimisers';
import type { PolicyState } from '../lowrank/pruningPolicy';
import { adoptAsVariable } from '../lowrank/variables';
import { allVariables, factorisedLayers, type Model } from '../model/resnet';

export interface TrainerOptions {
  /** use only the first K training / test examples */
  trainLimit?: number;
  testLimit?: number;
}

export interface Checkpoint {
  version: 2;
  config: TrainConfig;
  options: TrainerOptions;
  step: number;
  cursor: EpochCursor;
  augmentationState: number;
  variables: { name: string; shape: number[]; values: Float32Array }[];
  optimiser: OptimiserSnapshot;
  pruningPolicy: PolicyState;
  /** the dataset it was trained on, to refuse a restore on another one */
  dataset?: DatasetIdentity;
}

/** What identifies a dataset exactly: its name and the FNV-1a fingerprint of each split. */
export interface DatasetIdentity {
  name: string;
  fingerprint: { train: string; test: string };
  /** the labels' names, and for your own images how they were split (absent in older saves) */
  classNames?: string[];
  folder?: FolderInfo;
}

type SavedVariable = Checkpoint['variables'][number];

/** A variable's name without its model's prefix. */
export const relativeName = (model: Model, name: string): string =>
  name.slice(model.prefix.length + 1);

/** Copies of every variable's values, by relative name. */
export function variablesOf(model: Model): Promise<SavedVariable[]> {
  return Promise.all(
    allVariables(model).map(async (v) => ({
      name: relativeName(model, v.name),
      shape: [...v.shape],
      // a copy: on the cpu backend data() can be the tensor's own storage
      values: Float32Array.from(await v.data()),
    })),
  );
}

/** Refuses a checkpoint of another dataset, naming both. */
export function checkSameDataset(saved: DatasetIdentity, here: DatasetIdentity): void {
  if (JSON.stringify(saved.fingerprint) !== JSON.stringify(here.fingerprint))
    throw new Error(
      `this checkpoint was trained on ${saved.name} (fingerprint ${saved.fingerprint.train}/${saved.fingerprint.test}), not on the loaded ${here.name} (${here.fingerprint.train}/${here.fingerprint.test}): load the dataset it was trained on first`,
    );
}

/**
 * Gives every variable of `model` its saved value, factorised layers their saved ranks. Every
 * shape is checked before any variable changes: a checkpoint of another network changes nothing.
 */
export function loadVariables(model: Model, saved: readonly SavedVariable[]): void {
  const layers = factorisedLayers(model);
  const values = new Map(saved.map((v) => [v.name, v]));
  const entryFor = (variable: tf.Variable, shape: readonly number[]) => {
    const name = relativeName(model, variable.name);
    const entry = values.get(name);
    if (!entry)
      throw new Error(`the checkpoint has no value for ${name}: it is of another network`);
    if (entry.shape.join() !== shape.join())
      throw new Error(
        `the checkpoint's ${name} is ${entry.shape.join('x')}, this network's is ${shape.join('x')}: it is of another network`,
      );
    return entry;
  };
  // every shape is checked before any variable changes
  const ranks = layers.map((layer) => {
    const rank = values.get(relativeName(model, layer.s.name))?.shape[0] ?? 0;
    const { rows, cols } = matrixShape(layer);
    if (!Number.isInteger(rank) || rank < 1 || rank > Math.min(rows, cols))
      throw new Error(
        `the checkpoint's rank for ${relativeName(model, layer.name)} does not fit this network`,
      );
    entryFor(layer.U, [rows, rank]);
    entryFor(layer.V, [cols, rank]);
    return rank;
  });
  const factorised = new Set(layers.flatMap((l) => [l.U.name, l.s.name, l.V.name]));
  const others = allVariables(model).filter((v) => !factorised.has(v.name));
  others.forEach((variable) => entryFor(variable, variable.shape));
  const take = (variable: tf.Variable, shape: readonly number[]): tf.Variable => {
    const entry = entryFor(variable, shape);
    const tensor = tf.tensor(entry.values, entry.shape);
    if (entry.shape.join() === variable.shape.join()) {
      variable.assign(tensor);
      tensor.dispose();
      return variable;
    }
    const name = variable.name;
    variable.dispose();
    return adoptAsVariable(tensor, name, variable.trainable);
  };
  layers.forEach((layer, i) => {
    const { rows, cols } = matrixShape(layer);
    layer.U = take(layer.U, [rows, ranks[i]]);
    layer.s = take(layer.s, [ranks[i]]);
    layer.V = take(layer.V, [cols, ranks[i]]);
  });
  for (const variable of others) take(variable, variable.shape);
}
