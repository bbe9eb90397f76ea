// `npx tsx scripts/parity-fixture.ts`: writes python/tests/fixtures/parity.json, the numbers the
// PyTorch twin (python/) must reproduce: a tiny factorised ResNet-8 after a few training steps, an
// input batch, the three loss terms and their gradients, two optimiser steps, pruning and policy
// decisions, the accounting of a few nets and the exported LayersModel. Computed on the cpu
// backend with the product's own modules; scripts/parity-fixture.test.ts checks it is current.
import * as tf from '@tensorflow/tfjs';
import { writeFileSync } from 'node:fs';
import { prettyJson } from './lib/prettyJson';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_CONFIG, type TrainConfig } from '../src/config';
import { accountModel } from '../src/lowrank/accounting';
import { rankOf } from '../src/lowrank/factorised';
import { Optimiser, type OptimiserSettings } from '../src/lowrank/optimisers';
import { directionsToKeep, pruneLayer, strongestDirections } from '../src/lowrank/pruning';
import { Random } from '../src/lowrank/random';
import { regularisation, RANK_TERMS } from '../src/lowrank/regularisers';
import { exportLayersModel, saveToFiles } from '../src/model/export';
import {
  accountingInputs,
  allVariables,
  disposeModel,
  factorisedLayers,
  forward,
  trainableParams,
  type Model,
  type ModelConfig,
} from '../src/model/resnet';
import { buildModel } from '../src/model/resnetBuild';
import { meanCrossEntropy } from '../src/train/evaluation';
import { truncatedVariables } from '../src/train/postHoc';
import { variablesOf } from '../src/train/trainerState';
import { PruningPolicy, type PolicyModel, type PolicySettings } from '../src/lowrank/pruningPolicy';
import { trainStep } from '../src/lowrank/step';

export const FIXTURE_PATH = join('python', 'tests', 'fixtures', 'parity.json');

const MODEL: ModelConfig = {
  architecture: 'resnet8',
  mode: 'lowrank',
  widthMultiplier: 0.25,
  inputSize: 8,
  classes: 10,
  seed: 3,
};
const BATCH = 8;
const WEIGHT_DECAY = 1e-4;
const LOSS_SETTINGS = { lambdaOrth: 1, lambdaRank: 0.1, rankTerm: 'hoyer' } as const;
const SGD: OptimiserSettings = { kind: 'sgd', learningRate: 0.05, momentum: 0.9, nesterov: true };
const ADAM: OptimiserSettings = {
  kind: 'adam',
  learningRate: 0.01,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
};

/** Float32 values as base64 (little-endian), a quarter of the size of decimal JSON. */
export interface PackedTensor {
  name: string;
  shape: number[];
  data: string;
}

function pack(name: string, shape: readonly number[], values: ArrayLike<number>): PackedTensor {
  const bytes = new Uint8Array(Float32Array.from(values).buffer);
  return { name, shape: [...shape], data: Buffer.from(bytes).toString('base64') };
}

export function unpack(tensor: PackedTensor): Float32Array {
  const bytes = Buffer.from(tensor.data, 'base64');
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

const relative = (model: Model, name: string) => name.slice(model.prefix.length + 1);

function snapshot(model: Model): PackedTensor[] {
  return allVariables(model).map((v) => pack(relative(model, v.name), v.shape, v.dataSync()));
}

function restore(model: Model, state: readonly PackedTensor[]): void {
  const byName = new Map(state.map((t) => [t.name, t]));
  for (const variable of allVariables(model)) {
    const saved = byName.get(relative(model, variable.name))!;
    variable.assign(tf.tensor(unpack(saved), saved.shape));
  }
}

function batch(): { images: tf.Tensor4D; labels: tf.Tensor1D; pixels: Float32Array } {
  const random = new Random(11);
  const size = MODEL.inputSize;
  const pixels = Float32Array.from({ length: BATCH * size * size * 3 }, () => random.normal());
  const labels = Int32Array.from({ length: BATCH }, () => random.int(MODEL.classes));
  return {
    images: tf.tensor4d(pixels, [BATCH, size, size, 3]),
    labels: tf.tensor1d(labels, 'int32'),
    pixels,
  };
}

/** One step of the trainer's loss (CE + orth + rank) on the fixed batch. */
function step(model: Model, images: tf.Tensor4D, labels: tf.Tensor1D, optimiser: Optimiser) {
  const { losses } = trainStep(
    () => {
      const logits = forward(model, images, true);
      const crossEntropy = meanCrossEntropy(labels, logits);
      const { orth, rank } = regularisation(factorisedLayers(model), LOSS_SETTINGS);
      return { losses: { crossEntropy, orth, rank } };
    },
    trainableParams(model, WEIGHT_DECAY),
    optimiser,
  );
  tf.dispose(Object.values(losses));
}

/** Gradient of `loss` w.r.t. `variables`, zeros for those it does not reach. */
function gradients(model: Model, variables: tf.Variable[], loss: () => tf.Scalar) {
  const { value, grads } = tf.variableGrads(loss, variables);
  const out = variables.map((v) =>
    pack(relative(model, v.name), v.shape, (grads[v.name] ?? tf.zerosLike(v)).dataSync()),
  );
  const result = { value: value.dataSync()[0], gradients: out };
  tf.dispose([value, ...Object.values(grads)]);
  return result;
}

function policyModelOf(model: Model): PolicyModel {
  const { shapes, fixed } = accountingInputs(model);
  const layers = factorisedLayers(model);
  return {
    layers: shapes.map((shape, i) => ({
      shape,
      singularValues: Array.from(layers[i].s.dataSync()),
    })),
    fixed,
    denseParams: accountModel(shapes, fixed).dense.params,
    classes: model.config.classes,
  };
}

/** The model after `keep`: each layer's rank and |s| restricted to its kept directions. */
function restricted(model: PolicyModel, keep: number[][]): PolicyModel {
  return {
    ...model,
    layers: model.layers.map((layer, l) => ({
      shape: { ...layer.shape, rank: keep[l].length },
      singularValues: keep[l].map((i) => Array.from(layer.singularValues)[i]),
    })),
  };
}

type PolicyOp =
  | { op: 'observe'; loss: number; times: number }
  | { op: 'due'; progress: number; result: boolean }
  | { op: 'plan'; progress: number; model: PolicyModel; keep: number[][]; fade: number[][] }
  | { op: 'enforceTarget'; model: PolicyModel; plan: { keep: number[][] } | null }
  | { op: 'manual'; model: PolicyModel; keep: number[][]; fade: number[][] };

/** A scripted run of the policy: every call, its inputs, its answer and the state after it. */
function policyScript(settings: PolicySettings, start: PolicyModel) {
  const policy = new PruningPolicy(start.classes);
  const ops: (PolicyOp & { state: unknown })[] = [];
  const record = (op: PolicyOp) => ops.push({ ...op, state: structuredClone(policy.state) });
  let model = start;
  for (const loss of [2.3, 2.25, 2.2]) {
    policy.observeLoss(loss);
    record({ op: 'observe', loss, times: 1 });
  }
  for (let k = 0; k <= 12; k++) {
    const progress = 0.04 * k + 0.01;
    if (k === 3) for (let i = 0; i < 60; i++) policy.observeLoss(1.5);
    if (k === 3) record({ op: 'observe', loss: 1.5, times: 60 });
    const result = policy.due(settings, progress);
    record({ op: 'due', progress, result });
    if (!result) continue;
    const plan = policy.plan(settings, model, progress);
    record({ op: 'plan', progress, model, keep: plan.keep, fade: plan.fade });
    model = restricted(model, plan.keep);
  }
  const lowered = { ...settings, targetParamsKept: Math.max(10, settings.targetParamsKept - 20) };
  const enforced = policy.enforceTarget(lowered, model);
  record({ op: 'enforceTarget', model, plan: enforced && { keep: enforced.keep } });
  const manual = policy.manual(settings, model);
  record({ op: 'manual', model, keep: manual.keep, fade: manual.fade });
  return { settings, classes: start.classes, ops };
}

function accountingOf(config: ModelConfig) {
  const model = buildModel(config);
  const { shapes, fixed } = accountingInputs(model);
  const accounting = accountModel(shapes, fixed);
  disposeModel(model);
  return { config, fixed, accounting };
}

/**
 * The post-hoc baseline's cut: a dense network of the fixture's shape, each factorised layer's
 * kernel truncated to half its full rank (at least 1) as U, s and V.
 */
async function postHocCase() {
  const dense = buildModel({ ...MODEL, mode: 'dense' });
  const variables = await variablesOf(dense);
  const kernels = variables.filter((v) => /(conv[12]|shortcut|classifier)\/kernel$/.test(v.name));
  const ranks = kernels.map((kernel) => {
    const cols = kernel.shape[kernel.shape.length - 1];
    const full = Math.min(cols, kernel.values.length / cols);
    return { name: kernel.name.replace(/\/kernel$/, ''), rank: Math.max(1, Math.floor(full / 2)) };
  });
  disposeModel(dense);
  const truncated = truncatedVariables(variables, ranks);
  return {
    dense: variables.map((v) => pack(v.name, v.shape, v.values)),
    ranks,
    truncated: truncated.map((v) => pack(v.name, v.shape, v.values)),
  };
}

/** The whole fixture, computed on the active backend (cpu for the committed file). */
export async function parityFixture() {
  const model = buildModel(MODEL);
  const initial = snapshot(model);
  const { images, labels, pixels } = batch();
  const optimiser = new Optimiser(SGD);
  for (let i = 0; i < 3; i++) step(model, images, labels, optimiser);
  // two cuts, so both forward forms (low-rank below the break-even rank, composed above) and the
  // optimiser's slot slicing are exercised
  const layers = factorisedLayers(model);
  const cuts = [
    { layer: 0, keep: strongestDirections(layers[0].s.dataSync(), 3) },
    { layer: 3, keep: strongestDirections(layers[3].s.dataSync(), 5) },
  ];
  for (const cut of cuts) pruneLayer(layers[cut.layer], cut.keep, optimiser);
  step(model, images, labels, optimiser);

  const state = snapshot(model);
  const momentum = (await optimiser.snapshot()).slots.map((slot) =>
    pack(relative(model, slot.variable), slot.shape, slot.values),
  );
  const trainable = trainableParams(model, 0).map((p) => p.variable);
  const factorVariables = factorisedLayers(model).flatMap((l) => [l.U, l.s, l.V]);
  const crossEntropy = gradients(model, trainable, () =>
    meanCrossEntropy(labels, forward(model, images, true)),
  );
  restore(model, state);
  const orth = gradients(
    model,
    factorVariables,
    () => regularisation(factorisedLayers(model), { ...LOSS_SETTINGS, lambdaRank: 0 }).orth,
  );
  const rank = Object.fromEntries(
    RANK_TERMS.map((rankTerm) => [
      rankTerm,
      gradients(
        model,
        factorVariables,
        () =>
          regularisation(factorisedLayers(model), { lambdaOrth: 0, lambdaRank: 1, rankTerm }).rank,
      ),
    ]),
  );
  const evalLogits = tf.tidy(() => forward(model, images, false).dataSync());

  const steps = (from: Optimiser) => {
    restore(model, state);
    for (let i = 0; i < 2; i++) step(model, images, labels, from);
    return snapshot(model);
  };
  const sgdAfter = steps(optimiser);
  const adam = new Optimiser(ADAM);
  const adamAfter = steps(adam);
  restore(model, state);
  optimiser.dispose();
  adam.dispose();

  const spectra = factorisedLayers(model).map((layer) => ({
    name: relative(model, layer.name),
    s: Array.from(layer.s.dataSync()),
    relative: directionsToKeep(layer.s.dataSync(), { kind: 'relative', threshold: 0.3 }, 1),
    energy: directionsToKeep(layer.s.dataSync(), { kind: 'energy', epsilon: 0.05 }, 2),
    strongest2: strongestDirections(layer.s.dataSync(), 2),
  }));

  const policyModel = policyModelOf(model);
  const base: TrainConfig = {
    ...DEFAULT_CONFIG,
    schedule: 'cosine',
    pruneStart: 0.1,
    pruneEnd: 0.45,
    pruneInterval: 0.08,
    pruneLossDrop: 0.1,
    pruneCap: 0.3,
  };
  const policies = [
    policyScript({ ...base, targetParamsKept: 60, fadeBeforeCut: true }, policyModel),
    policyScript({ ...base, targetParamsKept: 60, fadeBeforeCut: false }, policyModel),
    policyScript({ ...base, targetParamsKept: 0, pruneThreshold: 0.4 }, policyModel),
    policyScript(
      { ...base, targetParamsKept: 0, pruneRule: 'energy', energyEpsilon: 0.1 },
      {
        ...policyModel,
      },
    ),
    policyScript(
      { ...base, schedule: 'step', pruneEnd: 0.8, targetParamsKept: 40, pruneClassifier: false },
      policyModel,
    ),
  ];

  const stats = { mean: [0.49, 0.48, 0.45], std: [0.25, 0.24, 0.26] } as {
    mean: [number, number, number];
    std: [number, number, number];
  };
  const { layersModel, forms } = exportLayersModel(model, stats);
  const files = await saveToFiles(layersModel);
  layersModel.dispose();
  const exported = {
    stats,
    forms,
    modelJson: JSON.parse(files.modelJson),
    weights: pack('weights', [files.weights.byteLength / 4], new Float32Array(files.weights)),
  };

  const fixture = {
    about:
      'Generated by scripts/parity-fixture.ts on the TF.js cpu backend; checked by scripts/parity-fixture.test.ts and python/tests/test_parity.py. Tensors are float32 little-endian in base64, names without the model prefix, shapes as TF.js holds them (NHWC images, [k, k, Cin, Cout] kernels).',
    tfjsVersion: tf.version_core,
    model: MODEL,
    ranks: factorisedLayers(model).map((l) => ({ name: relative(model, l.name), rank: rankOf(l) })),
    weightDecay: WEIGHT_DECAY,
    loss: LOSS_SETTINGS,
    sgd: SGD,
    adam: ADAM,
    input: { images: pack('images', [BATCH, MODEL.inputSize, MODEL.inputSize, 3], pixels) },
    labels: Array.from(labels.dataSync()),
    initial,
    state,
    momentum,
    terms: {
      crossEntropy: crossEntropy.value,
      orth: orth.value,
      rank: Object.fromEntries(Object.entries(rank).map(([term, r]) => [term, r.value])),
    },
    gradients: {
      crossEntropy: crossEntropy.gradients,
      orth: orth.gradients,
      rank: Object.fromEntries(Object.entries(rank).map(([term, r]) => [term, r.gradients])),
    },
    evalLogits: pack('evalLogits', [BATCH, MODEL.classes], evalLogits),
    sgdAfter,
    adamAfter,
    spectra,
    policies,
    accounting: [
      accountingOf({ ...MODEL }),
      accountingOf({ ...MODEL, architecture: 'resnet20', widthMultiplier: 1, inputSize: 32 }),
      accountingOf({ ...MODEL, architecture: 'resnet18', widthMultiplier: 0.25, inputSize: 32 }),
      accountingOf({ ...MODEL, architecture: 'resnet32', widthMultiplier: 0.5, maxRank: 4 }),
      accountingOf({ ...MODEL, mode: 'dense', architecture: 'resnet56', inputSize: 16 }),
    ],
    exported,
    postHoc: await postHocCase(),
  };
  tf.dispose([images, labels]);
  disposeModel(model);
  return fixture;
}

async function main(): Promise<void> {
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
  await tf.ready();
  const fixture = await parityFixture();
  writeFileSync(FIXTURE_PATH, prettyJson(fixture));
  console.error(`wrote ${FIXTURE_PATH}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: Error) => {
    console.error(`parity-fixture: ${error.message}`);
    process.exit(1);
  });
}
