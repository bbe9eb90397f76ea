// Exports a trained network as a standard TF.js LayersModel: plain Conv2D, Dense, BatchNorm (the
// input's normalisation; each conv's own batch norm is folded into it), pooling and padding
// layers only, so `tf.loadLayersModel` runs it with no code from this project.
// Input: float32 images [N, H, W, 3] in [0, 1]; the per-channel normalisation is inside the model.
import * as tf from '@tensorflow/tfjs';
import type { ChannelStats } from '../data/dataset';
import { breakEvenRank, composedMatrix, rankOf, type FactorisedLayer } from '../lowrank/factorised';
import type { BatchNorm } from './layers';
import { BN_EPSILON } from './layers';
import type { Classifier, Conv, Model, Shortcut } from './resnet';

type SymbolicTensor = tf.SymbolicTensor;
type LayerWithWeights = { layer: tf.layers.Layer; weights: () => tf.Tensor[] };

export interface ExportedLayerForm {
  name: string;
  rank: number;
  form: 'lowrank' | 'composed' | 'dense';
}

/** The factors' low-rank form is kept below the break-even rank; above it one merged kernel. */
function keepsFactors(layer: FactorisedLayer): boolean {
  return rankOf(layer) < breakEvenRank(layer);
}

/** Batch norm in inference form, y = x * scale + shift per channel. */
function foldedBatchNorm(bn: BatchNorm): { scale: tf.Tensor1D; shift: tf.Tensor1D } {
  const scale = tf.div(bn.gamma, tf.sqrt(tf.add(bn.movingVariance, BN_EPSILON))) as tf.Tensor1D;
  return { scale, shift: tf.sub(bn.beta, tf.mul(bn.movingMean, scale)) };
}

class Builder {
  readonly pending: LayerWithWeights[] = [];
  readonly forms: ExportedLayerForm[] = [];

  constructor(
    private readonly prefix: string,
    /** merge every factorised layer into one kernel: the dense-equivalent model */
    private readonly mergeAll: boolean,
  ) {}

  private keepsFactors(layer: FactorisedLayer): boolean {
    return !this.mergeAll && keepsFactors(layer);
  }

  private name(variableName: string, suffix = ''): string {
    return variableName.slice(this.prefix.length + 1).replace(/\//g, '_') + suffix;
  }

  private add(layer: tf.layers.Layer, weights: () => tf.Tensor[]): tf.layers.Layer {
    this.pending.push({ layer, weights });
    return layer;
  }

  /** (x - mean) / std per channel, as a BatchNorm with fixed statistics. */
  normalise(x: SymbolicTensor, stats: ChannelStats): SymbolicTensor {
    const layer = tf.layers.batchNormalization({
      name: 'normalise',
      epsilon: BN_EPSILON,
      trainable: false,
    });
    this.add(layer, () => [
      tf.ones([3]),
      tf.zeros([3]),
      tf.tensor1d(stats.mean),
      tf.tensor1d(stats.std.map((s) => s * s - BN_EPSILON)),
    ]);
    return layer.apply(x) as SymbolicTensor;
  }

  /**
   * conv then batch norm (then ReLU), as the conv alone: the norm's inference form is a scale per
   * output channel, folded into the kernel's last factor, and a shift, the conv's bias. One fused
   * kernel call instead of three passes over the activations.
   */
  convBatchNorm(
    conv: Conv,
    bn: BatchNorm,
    x: SymbolicTensor,
    activation: 'relu' | 'linear' = 'linear',
  ): SymbolicTensor {
    const base = { kernelSize: conv.kernelSize, strides: conv.stride, padding: conv.padding };
    const { kernelSize: k, inChannels, outChannels } = conv;
    const folded = (kernel: () => tf.Tensor) => () =>
      tf.tidy(() => {
        const { scale, shift } = foldedBatchNorm(bn);
        return [tf.mul(kernel(), scale), shift];
      });
    const merged = (form: ExportedLayerForm['form'], rank: number, kernel: () => tf.Tensor) => {
      this.forms.push({ name: this.name(conv.name), rank, form });
      const layer = tf.layers.conv2d({
        ...base,
        filters: outChannels,
        activation,
        name: this.name(conv.name),
      });
      this.add(layer, folded(kernel));
      return layer.apply(x) as SymbolicTensor;
    };
    if (conv.kind === 'plain-conv')
      return merged('dense', Math.min(k * k * inChannels, outChannels), () => conv.kernel);
    const rank = rankOf(conv);
    if (!this.keepsFactors(conv))
      return merged('composed', rank, () =>
        tf.reshape(composedMatrix(conv), [k, k, inChannels, outChannels]),
      );
    this.forms.push({ name: this.name(conv.name), rank, form: 'lowrank' });
    const project = tf.layers.conv2d({
      ...base,
      filters: rank,
      useBias: false,
      name: this.name(conv.name, '_U'),
    });
    this.add(project, () => [tf.reshape(conv.U, [k, k, inChannels, rank])]);
    // s and the norm's scale folded into the 1x1 expansion: diag(s) V^T as [1, 1, r, Cout]
    const expand = tf.layers.conv2d({
      kernelSize: 1,
      filters: outChannels,
      padding: 'valid',
      activation,
      name: this.name(conv.name, '_sV'),
    });
    this.add(
      expand,
      folded(() => tf.reshape(tf.transpose(tf.mul(conv.V, conv.s)), [1, 1, rank, outChannels])),
    );
    return expand.apply(project.apply(x)) as SymbolicTensor;
  }

  shortcut(shortcut: Shortcut, x: SymbolicTensor, blockName: string): SymbolicTensor {
    switch (shortcut.kind) {
      case 'identity':
        return x;
      case 'projection':
        return this.convBatchNorm(shortcut.conv, shortcut.bn, x);
      case 'pad': {
        // option A with standard layers: a 1x1 average pool subsamples; the new channels are
        // zero padding applied to the channel axis after moving it into a spatial position
        let y = x;
        if (shortcut.stride > 1) {
          y = tf.layers
            .averagePooling2d({
              poolSize: 1,
              strides: shortcut.stride,
              padding: 'valid',
              name: `${blockName}_subsample`,
            })
            .apply(y) as SymbolicTensor;
        }
        y = tf.layers
          .permute({ dims: [1, 3, 2], name: `${blockName}_channels_to_width` })
          .apply(y) as SymbolicTensor;
        y = tf.layers
          .zeroPadding2d({
            padding: [
              [0, 0],
              [shortcut.before, shortcut.after],
            ],
            name: `${blockName}_pad_channels`,
          })
          .apply(y) as SymbolicTensor;
        return tf.layers
          .permute({ dims: [1, 3, 2], name: `${blockName}_channels_back` })
          .apply(y) as SymbolicTensor;
      }
      default: {
        const unknown: never = shortcut;
        throw new Error(`unknown shortcut ${JSON.stringify(unknown)}`);
      }
    }
  }

  classifier(classifier: Classifier, x: SymbolicTensor): SymbolicTensor {
    const name = this.name(classifier.name);
    if (classifier.kind === 'plain-dense') {
      this.forms.push({
        name,
        rank: Math.min(classifier.inFeatures, classifier.outFeatures),
        form: 'dense',
      });
      const layer = tf.layers.dense({ units: classifier.outFeatures, name });
      this.add(layer, () => [classifier.kernel.clone(), classifier.bias.clone()]);
      return layer.apply(x) as SymbolicTensor;
    }
    const rank = rankOf(classifier);
    if (!this.keepsFactors(classifier)) {
      this.forms.push({ name, rank, form: 'composed' });
      const layer = tf.layers.dense({ units: classifier.outFeatures, name });
      this.add(layer, () => [composedMatrix(classifier), classifier.bias.clone()]);
      return layer.apply(x) as SymbolicTensor;
    }
    this.forms.push({ name, rank, form: 'lowrank' });
    const project = tf.layers.dense({ units: rank, useBias: false, name: `${name}_U` });
    this.add(project, () => [classifier.U.clone()]);
    const expand = tf.layers.dense({ units: classifier.outFeatures, name: `${name}_sV` });
    this.add(expand, () => [
      tf.tidy(() => tf.transpose(tf.mul(classifier.V, classifier.s))),
      classifier.bias.clone(),
    ]);
    return expand.apply(project.apply(x)) as SymbolicTensor;
  }
}

/** A standard LayersModel computing the same eval-mode function as `forward(model, ., false)`. */
export function exportLayersModel(
  model: Model,
  stats: ChannelStats,
  options: { mergeAll?: boolean } = {},
): { layersModel: tf.LayersModel; forms: ExportedLayerForm[] } {
  const { inputSize } = model.config;
  const builder = new Builder(model.prefix, options.mergeAll ?? false);
  const input = tf.input({ shape: [inputSize, inputSize, 3], name: 'images' });
  const relu = (x: SymbolicTensor, name: string) =>
    tf.layers.activation({ activation: 'relu', name }).apply(x) as SymbolicTensor;
  let x = builder.normalise(input, stats);
  x = builder.convBatchNorm(model.stem.conv, model.stem.bn, x, 'relu');
  for (const block of model.blocks) {
    const name = block.name.replace(/\//g, '_');
    const h = builder.convBatchNorm(block.conv1, block.bn1, x, 'relu');
    const y = builder.convBatchNorm(block.conv2, block.bn2, h);
    const sum = tf.layers
      .add({ name: `${name}_add` })
      .apply([y, builder.shortcut(block.shortcut, x, name)]) as SymbolicTensor;
    x = relu(sum, `${name}_relu2`);
  }
  x = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as SymbolicTensor;
  const logits = builder.classifier(model.classifier, x);
  const layersModel = tf.model({
    inputs: input,
    outputs: logits,
    name: `${model.config.architecture}_${model.config.mode}`,
  });
  for (const { layer, weights } of builder.pending) {
    const values = weights();
    layer.setWeights(values);
    tf.dispose(values);
  }
  return { layersModel, forms: builder.forms };
}

export interface SavedModelFiles {
  /** model.json contents (topology + weights manifest pointing at model.weights.bin) */
  modelJson: string;
  weights: ArrayBuffer;
}

/** Serialises a LayersModel to the two files `tf.loadLayersModel` reads. */
export async function saveToFiles(layersModel: tf.LayersModel): Promise<SavedModelFiles> {
  let saved: SavedModelFiles | null = null;
  await layersModel.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = artifacts.weightData as ArrayBuffer;
      const modelJson = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['model.weights.bin'], weights: artifacts.weightSpecs }],
        // what the model was given by setUserDefinedMetadata (its labels), where it was given any
        ...(artifacts.userDefinedMetadata
          ? { userDefinedMetadata: artifacts.userDefinedMetadata }
          : {}),
      };
      saved = { modelJson: JSON.stringify(modelJson), weights };
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: weights.byteLength,
        },
      };
    }),
  );
  return saved!;
}

/** Loads the files back, as a user's `tf.loadLayersModel('model.json')` would. */
export function loadFromFiles(files: SavedModelFiles): Promise<tf.LayersModel> {
  const json = JSON.parse(files.modelJson);
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: files.weights,
      userDefinedMetadata: json.userDefinedMetadata,
    }),
  );
}
