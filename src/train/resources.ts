// What a job will cost before it is built: memory (weights, gradients, optimiser state and the
// activations a training step keeps for its backward pass) and the time of one step, so a job that
// cannot fit is refused with the figure and what to lower, instead of locking the worker.
import type { TrainConfig } from '../config';
import { accountModel, type LayerShape } from '../lowrank/accounting';
import { blockPlans, stageWidths } from '../model/resnet';
import type { BackendName } from '../protocol';

export interface JobEstimate {
  /** bytes of weights, their gradients and the optimiser's state */
  parameterBytes: number;
  /** bytes of activations kept for the backward pass at the job's batch size */
  activationBytes: number;
  totalBytes: number;
  /** multiply-accumulates of one training step (forward and backward, about 3x forward) */
  stepMacs: number;
  /** seconds one step takes at the backend's typical speed */
  stepSeconds: number;
}

const FLOAT = 4;
/**
 * Tensors a training step keeps per conv output: the conv result, its batch norm and ReLU, and
 * their gradients at peak; measured TF.js training steps stay within this.
 */
const KEPT_PER_OUTPUT = 6;

/** Typical training speed (multiply-accumulates a second) of each backend, for step times. */
const MACS_PER_SECOND: Record<BackendName, number> = {
  webgpu: 200e9,
  webgl: 50e9,
  wasm: 4e9,
  cpu: 0.7e9,
};

/**
 * Memory a backend can give one job: wasm32 addresses 4 GB, and browsers give a tab's GPU
 * process about that much before it is lost; the pure-JavaScript backend shares the tab's heap.
 */
export const MEMORY_LIMIT_BYTES: Record<BackendName, number> = {
  webgpu: 3e9,
  webgl: 2e9,
  wasm: 3e9,
  cpu: 1.5e9,
};

/** Every conv and the classifier of the job's network at full rank, with its output size. */
function layerShapes(config: TrainConfig, classes: number): LayerShape[] {
  const conv = (
    name: string,
    kernelSize: number,
    inChannels: number,
    outChannels: number,
    size: number,
  ): LayerShape => ({
    kind: 'conv',
    name,
    kernelSize,
    inChannels,
    outChannels,
    rank: Math.min(kernelSize * kernelSize * inChannels, outChannels),
    outHeight: size,
    outWidth: size,
    hasBias: false,
  });
  const [first] = stageWidths(config);
  const shapes = [conv('stem', 3, 3, first, config.inputSize)];
  for (const block of blockPlans(config)) {
    const { name, inChannels, outChannels, outSize } = block;
    if (block.shortcut === 'projection')
      shapes.push(conv(`${name}/shortcut`, 1, inChannels, outChannels, outSize));
    shapes.push(conv(`${name}/conv1`, 3, inChannels, outChannels, outSize));
    shapes.push(conv(`${name}/conv2`, 3, outChannels, outChannels, outSize));
  }
  const features = stageWidths(config).at(-1)!;
  shapes.push({
    kind: 'dense',
    name: 'classifier',
    kernelSize: 1,
    inChannels: features,
    outChannels: classes,
    rank: Math.min(features, classes),
    outHeight: 1,
    outWidth: 1,
    hasBias: true,
  });
  return shapes;
}

/**
 * Trainable params of the job's network built dense, from its plan (no weights made): convs and
 * the classifier (layerShapes), and each BatchNorm's gamma and beta.
 */
export function denseParams(config: TrainConfig, classes: number): number {
  const shapes = layerShapes(config, classes);
  const normalised = shapes.filter((s) => s.kind === 'conv');
  return (
    accountModel(shapes).dense.params + normalised.reduce((sum, s) => sum + 2 * s.outChannels, 0)
  );
}

export function estimateJob(
  config: TrainConfig,
  classes: number,
  backend: BackendName,
): JobEstimate {
  const shapes = layerShapes(config, classes);
  const accounting = accountModel(shapes);
  const lowrank = config.mode === 'lowrank';
  const cost = lowrank ? accounting.factorised : accounting.dense;
  const slots = config.optimiser === 'adam' ? 2 : 1;
  // weights, gradients, optimiser slots (and, for U s V, the composed kernel of each layer)
  const parameterBytes =
    FLOAT * cost.params * (2 + slots) + (lowrank ? FLOAT * accounting.dense.params : 0);
  const outputs = shapes.reduce(
    (sum, s) => sum + s.outHeight * s.outWidth * (s.outChannels + (lowrank ? s.rank : 0)),
    0,
  );
  const activationBytes =
    FLOAT * KEPT_PER_OUTPUT * config.batchSize * (outputs + 2 * config.inputSize ** 2 * 3);
  const stepMacs = 3 * config.batchSize * cost.macs;
  return {
    parameterBytes,
    activationBytes,
    totalBytes: parameterBytes + activationBytes,
    stepMacs,
    stepSeconds: stepMacs / MACS_PER_SECOND[backend],
  };
}

const gigabytes = (bytes: number) => `${(bytes / 1e9).toFixed(bytes < 1e9 ? 2 : 1)} GB`;

/** Null when the job fits the backend; else why not, with the figure and what to lower. */
export function jobTooLarge(
  config: TrainConfig,
  classes: number,
  backend: BackendName,
): string | null {
  const estimate = estimateJob(config, classes, backend);
  const limit = MEMORY_LIMIT_BYTES[backend];
  if (estimate.totalBytes <= limit) return null;
  const perImage = estimate.activationBytes / config.batchSize;
  const fittingBatch = Math.floor((limit - estimate.parameterBytes) / perImage);
  const lower =
    fittingBatch >= 1
      ? `lower the batch size to ${fittingBatch} or less, the input size or the width`
      : 'lower the width or the input size (even one image a step does not fit)';
  return `this job needs about ${gigabytes(estimate.totalBytes)} (activations ${gigabytes(estimate.activationBytes)} at batch ${config.batchSize} of ${config.inputSize} px images, weights and optimiser ${gigabytes(estimate.parameterBytes)}), more than the ${gigabytes(limit)} the ${backend} backend can give one job: ${lower}`;
}
