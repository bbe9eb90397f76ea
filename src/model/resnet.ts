// CIFAR ResNets (He et al. 2016: 3 stages of 16/32/64 channels, option-A shortcuts) and the
// CIFAR ResNet-18 (3x3 stem, 4 stages of 64-512 channels, 1x1 projection shortcuts), dense or
// factorised: in low-rank mode every conv but the 3-channel stem, and the classifier, hold
// W = U diag(s) V^T (docs/method.md, "Factorised layers").
import * as tf from '@tensorflow/tfjs';
import type { Cost, LayerShape } from '../lowrank/accounting';
import {
  convForward,
  denseForward,
  rankOf,
  type FactorisedConv,
  type FactorisedDense,
  type FactorisedLayer,
} from '../lowrank/factorised';
import {
  batchNormForward,
  plainConvForward,
  plainDenseForward,
  type BatchNorm,
  type PlainConv,
  type PlainDense,
} from './layers';

import { ARCHITECTURES, type ArchitectureName, type ModelMode } from './architectures';

export interface ModelConfig {
  architecture: ArchitectureName;
  mode: ModelMode;
  /** scales every stage's channel count (0.25 gives a quarter-width micro net) */
  widthMultiplier: number;
  /** side of the square input images */
  inputSize: number;
  classes: number;
  seed: number;
  /** factorised layers start with at most this rank (0 or absent: full rank) */
  maxRank?: number;
}

export type Conv = FactorisedConv | PlainConv;
export type Classifier = FactorisedDense | PlainDense;

export type Shortcut =
  | { kind: 'identity' }
  /** option A: subsample by stride, zero-pad the new channels (no parameters) */
  | { kind: 'pad'; stride: number; before: number; after: number }
  | { kind: 'projection'; conv: Conv; bn: BatchNorm };

export interface Block {
  name: string;
  conv1: Conv;
  bn1: BatchNorm;
  conv2: Conv;
  bn2: BatchNorm;
  shortcut: Shortcut;
  /** spatial side of the block's output */
  outSize: number;
}

export interface Model {
  config: ModelConfig;
  /** prefix of every variable name, unique per model so several can live in one engine */
  prefix: string;
  stem: { conv: PlainConv; bn: BatchNorm };
  blocks: Block[];
  classifier: Classifier;
}

export function stageWidths(
  config: Pick<ModelConfig, 'architecture' | 'widthMultiplier'>,
): number[] {
  return ARCHITECTURES[config.architecture].stageChannels.map((c) =>
    Math.max(1, Math.round(c * config.widthMultiplier)),
  );
}

/** One residual block as the architecture lays it out, before any weight exists. */
export interface BlockPlan {
  name: string;
  inChannels: number;
  outChannels: number;
  stride: number;
  /** side of the block's output */
  outSize: number;
  shortcut: 'identity' | 'pad' | 'projection';
}

/** The blocks of a network, in order: the shapes the builder makes and the estimator counts. */
export function blockPlans(
  config: Pick<ModelConfig, 'architecture' | 'widthMultiplier' | 'inputSize'>,
): BlockPlan[] {
  const architecture = ARCHITECTURES[config.architecture];
  const widths = stageWidths(config);
  const plans: BlockPlan[] = [];
  let channels = widths[0];
  let size = config.inputSize;
  architecture.blocksPerStage.forEach((count, stage) => {
    for (let index = 0; index < count; index++) {
      const outChannels = widths[stage];
      const stride = stage > 0 && index === 0 ? 2 : 1;
      const outSize = Math.ceil(size / stride);
      const changes = stride !== 1 || outChannels !== channels;
      plans.push({
        name: `stage${stage + 1}/block${index + 1}`,
        inChannels: channels,
        outChannels,
        stride,
        outSize,
        shortcut: !changes
          ? 'identity'
          : architecture.shortcut === 'option-a'
            ? 'pad'
            : 'projection',
      });
      channels = outChannels;
      size = outSize;
    }
  });
  return plans;
}

function applyConv(layer: Conv, x: tf.Tensor4D): tf.Tensor4D {
  return layer.kind === 'conv' ? convForward(layer, x) : plainConvForward(layer, x);
}

function applyShortcut(shortcut: Shortcut, x: tf.Tensor4D, training: boolean): tf.Tensor4D {
  switch (shortcut.kind) {
    case 'identity':
      return x;
    case 'pad': {
      // avgPool with a 1x1 window subsamples and, unlike strided slicing, has a gradient (§7)
      const subsampled = shortcut.stride === 1 ? x : tf.avgPool(x, 1, shortcut.stride, 'valid');
      return tf.pad(subsampled, [
        [0, 0],
        [0, 0],
        [0, 0],
        [shortcut.before, shortcut.after],
      ]);
    }
    case 'projection':
      return batchNormForward(shortcut.bn, applyConv(shortcut.conv, x), training);
    default: {
      const unknown: never = shortcut;
      throw new Error(`unknown shortcut ${JSON.stringify(unknown)}`);
    }
  }
}

/** images [N, H, W, 3] (normalised) -> logits [N, classes]. */
export function forward(model: Model, images: tf.Tensor4D, training: boolean): tf.Tensor2D {
  return tf.tidy(() => {
    let x = tf.relu(
      batchNormForward(model.stem.bn, plainConvForward(model.stem.conv, images), training),
    ) as tf.Tensor4D;
    for (const block of model.blocks) {
      const h = tf.relu(
        batchNormForward(block.bn1, applyConv(block.conv1, x), training),
      ) as tf.Tensor4D;
      const y = batchNormForward(block.bn2, applyConv(block.conv2, h), training);
      x = tf.relu(tf.add(y, applyShortcut(block.shortcut, x, training))) as tf.Tensor4D;
    }
    const pooled = tf.mean(x, [1, 2]) as tf.Tensor2D;
    const { classifier } = model;
    return classifier.kind === 'dense'
      ? denseForward(classifier, pooled)
      : plainDenseForward(classifier, pooled);
  });
}

/** Every conv of the model with the spatial size of its output, in forward order. */
export function convsWithSizes(model: Model): { conv: Conv; outSize: number }[] {
  const out: { conv: Conv; outSize: number }[] = [
    { conv: model.stem.conv, outSize: model.config.inputSize },
  ];
  for (const block of model.blocks) {
    out.push(
      { conv: block.conv1, outSize: block.outSize },
      { conv: block.conv2, outSize: block.outSize },
    );
    if (block.shortcut.kind === 'projection')
      out.push({ conv: block.shortcut.conv, outSize: block.outSize });
  }
  return out;
}

export function factorisedLayers(model: Model): FactorisedLayer[] {
  const layers: FactorisedLayer[] = convsWithSizes(model)
    .map(({ conv }) => conv)
    .filter((conv): conv is FactorisedConv => conv.kind === 'conv');
  if (model.classifier.kind === 'dense') layers.push(model.classifier);
  return layers;
}

function batchNorms(model: Model): BatchNorm[] {
  return [
    model.stem.bn,
    ...model.blocks.flatMap((b) => [
      b.bn1,
      b.bn2,
      ...(b.shortcut.kind === 'projection' ? [b.shortcut.bn] : []),
    ]),
  ];
}

/** Trainable variables with their weight decay: none on U and V (docs/method.md, "Training recipe"). */
export function trainableParams(
  model: Model,
  weightDecay: number,
): { variable: tf.Variable; weightDecay: number }[] {
  const params: { variable: tf.Variable; weightDecay: number }[] = [];
  const add = (variable: tf.Variable, decay: number) =>
    params.push({ variable, weightDecay: decay });
  for (const { conv } of convsWithSizes(model)) {
    if (conv.kind === 'conv') {
      add(conv.U, 0);
      add(conv.s, weightDecay);
      add(conv.V, 0);
    } else add(conv.kernel, weightDecay);
  }
  for (const bn of batchNorms(model)) {
    add(bn.gamma, weightDecay);
    add(bn.beta, weightDecay);
  }
  const c = model.classifier;
  if (c.kind === 'dense') {
    add(c.U, 0);
    add(c.s, weightDecay);
    add(c.V, 0);
  } else add(c.kernel, weightDecay);
  add(c.bias, weightDecay);
  return params;
}

/** Every variable, trainable or not (BN running statistics), for checkpoints and disposal. */
export function allVariables(model: Model): tf.Variable[] {
  return [
    ...trainableParams(model, 0).map((p) => p.variable),
    ...batchNorms(model).flatMap((bn) => [bn.movingMean, bn.movingVariance]),
  ];
}

export function countParams(model: Model): number {
  return trainableParams(model, 0).reduce((sum, p) => sum + p.variable.size, 0);
}

/** Shapes for the accounting of the factorised layers, and the fixed cost of everything else. */
export function accountingInputs(model: Model): { shapes: LayerShape[]; fixed: Cost } {
  const shapes: LayerShape[] = [];
  const fixed: Cost = { params: 0, macs: 0 };
  const relative = (name: string) => name.slice(model.prefix.length + 1);
  for (const { conv, outSize } of convsWithSizes(model)) {
    const rows = conv.kernelSize * conv.kernelSize * conv.inChannels;
    if (conv.kind === 'conv') {
      shapes.push({
        kind: 'conv',
        name: relative(conv.name),
        kernelSize: conv.kernelSize,
        inChannels: conv.inChannels,
        outChannels: conv.outChannels,
        rank: rankOf(conv),
        outHeight: outSize,
        outWidth: outSize,
        hasBias: false,
      });
    } else {
      fixed.params += rows * conv.outChannels;
      fixed.macs += outSize * outSize * rows * conv.outChannels;
    }
  }
  for (const bn of batchNorms(model)) fixed.params += 2 * bn.channels;
  const c = model.classifier;
  if (c.kind === 'dense') {
    shapes.push({
      kind: 'dense',
      name: relative(c.name),
      kernelSize: 1,
      inChannels: c.inFeatures,
      outChannels: c.outFeatures,
      rank: rankOf(c),
      outHeight: 1,
      outWidth: 1,
      hasBias: true,
    });
  } else {
    fixed.params += c.inFeatures * c.outFeatures + c.outFeatures;
    fixed.macs += c.inFeatures * c.outFeatures;
  }
  return { shapes, fixed };
}

export function disposeModel(model: Model): void {
  for (const variable of allVariables(model)) variable.dispose();
}
