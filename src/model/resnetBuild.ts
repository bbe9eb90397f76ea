// Building a model from its config, one layer at a time (an SVD of a large kernel takes seconds,
// so the studio builds in slices and can stop between layers).
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../config';
import { createFactorisedConv, createFactorisedDense } from '../lowrank/factorised';
import { ARCHITECTURES } from './architectures';
import { createBatchNorm, createPlainConv, createPlainDense } from './layers';
import {
  blockPlans,
  stageWidths,
  type Block,
  type Conv,
  type Model,
  type ModelConfig,
  type Shortcut,
} from './resnet';

/**
 * The builder, one factorised (or plain) layer at a time: it yields each layer's name before
 * making it, so a caller can report progress and stop between layers (an SVD of a large kernel
 * takes seconds).
 */
function* modelBuilder(config: ModelConfig, prefix: string): Generator<string, Model> {
  const widths = stageWidths(config);
  let seed = config.seed * 1000;
  const conv = (
    name: string,
    inChannels: number,
    outChannels: number,
    stride: number,
    kernelSize = 3,
  ): Conv => {
    const spec = {
      name: `${prefix}/${name}`,
      kernelSize,
      inChannels,
      outChannels,
      stride,
      padding: 'same' as const,
    };
    return config.mode === 'lowrank'
      ? createFactorisedConv(spec, { seed: ++seed, maxRank: config.maxRank || undefined })
      : createPlainConv(spec, ++seed);
  };
  const bn = (name: string, channels: number) => createBatchNorm(`${prefix}/${name}`, channels);

  const stem = {
    conv: createPlainConv(
      {
        name: `${prefix}/stem/conv`,
        kernelSize: 3,
        inChannels: 3,
        outChannels: widths[0],
        stride: 1,
        padding: 'same',
      },
      ++seed,
    ),
    bn: bn('stem/bn', widths[0]),
  };
  const blocks: Block[] = [];
  let channels = widths[0];
  for (const plan of blockPlans(config)) {
    const { name, inChannels, outChannels, stride, outSize } = plan;
    yield name;
    let shortcut: Shortcut = { kind: 'identity' };
    if (plan.shortcut === 'pad') {
      const extra = outChannels - inChannels;
      const before = Math.floor(extra / 2);
      shortcut = { kind: 'pad', stride, before, after: extra - before };
    } else if (plan.shortcut === 'projection') {
      shortcut = {
        kind: 'projection',
        conv: conv(`${name}/shortcut`, inChannels, outChannels, stride, 1),
        bn: bn(`${name}/shortcut-bn`, outChannels),
      };
    }
    blocks.push({
      name,
      conv1: conv(`${name}/conv1`, inChannels, outChannels, stride),
      bn1: bn(`${name}/bn1`, outChannels),
      conv2: conv(`${name}/conv2`, outChannels, outChannels, 1),
      bn2: bn(`${name}/bn2`, outChannels),
      shortcut,
      outSize,
    });
    channels = outChannels;
  }
  yield 'classifier';
  const classifierSpec = {
    name: `${prefix}/classifier`,
    inFeatures: channels,
    outFeatures: config.classes,
  };
  const classifier =
    config.mode === 'lowrank'
      ? createFactorisedDense(classifierSpec, {
          seed: ++seed,
          maxRank: config.maxRank || undefined,
        })
      : createPlainDense(classifierSpec, ++seed);
  return { config, prefix, stem, blocks, classifier };
}

/** Blocks plus the classifier: the steps modelBuilder yields. */
export function buildSteps(config: Pick<ModelConfig, 'architecture'>): number {
  return ARCHITECTURES[config.architecture].blocksPerStage.reduce((a, b) => a + b, 0) + 1;
}

/** A prefix for every variable of a new model, unique so several models share one engine. */
/** The network a configuration asks for, for `classes` classes. */
export function modelConfigFor(config: TrainConfig, classes: number): ModelConfig {
  return {
    architecture: config.architecture,
    mode: config.mode,
    widthMultiplier: config.widthMultiplier,
    inputSize: config.inputSize,
    classes,
    seed: config.seed,
    maxRank: config.mode === 'lowrank' ? config.maxRank : 0,
  };
}

let modelCount = 0;
const newPrefix = () => `model${++modelCount}`;

export function buildModel(config: ModelConfig): Model {
  const builder = modelBuilder(config, newPrefix());
  for (;;) {
    const next = builder.next();
    if (next.done) return next.value;
  }
}

/** Thrown by buildModelAsync when asked to stop; what was built is disposed. */
export class BuildCancelled extends Error {
  constructor() {
    super('the job was cancelled while its network was being built');
  }
}

/**
 * buildModel, a block at a time, letting other work run in between: `onStep` hears each block's
 * name, and `cancelled` is asked before each one.
 */
export async function buildModelAsync(
  config: ModelConfig,
  options: {
    onStep?: (done: number, total: number, name: string) => void;
    cancelled?: () => boolean;
    pause?: () => Promise<void>;
  } = {},
): Promise<Model> {
  const prefix = newPrefix();
  const builder = modelBuilder(config, prefix);
  const total = buildSteps(config);
  let done = 0;
  for (;;) {
    const next = builder.next();
    if (next.done) return next.value;
    options.onStep?.(done++, total, next.value);
    await (options.pause?.() ?? Promise.resolve());
    if (options.cancelled?.()) {
      builder.return(undefined as never);
      // free the layers made so far: every variable of this model carries its prefix
      const made = Object.values(tf.engine().state.registeredVariables);
      tf.dispose(made.filter((variable) => variable.name.startsWith(`${prefix}/`)));
      throw new BuildCancelled();
    }
  }
}
