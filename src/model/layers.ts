// The plain (unfactorised) layers of the CIFAR ResNets: dense conv, dense classifier and
// BatchNorm with running statistics. Like the factorised layers, plain objects over variables.
import * as tf from '@tensorflow/tfjs';
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD } from '../kernels/kernelNames';
import { conv2d } from '../lowrank/conv';
import { heNormalValues, type Padding } from '../lowrank/factorised';
import { adoptAsVariable } from '../lowrank/variables';

export interface PlainConv {
  kind: 'plain-conv';
  name: string;
  kernelSize: number;
  inChannels: number;
  outChannels: number;
  stride: number;
  padding: Padding;
  /** [k, k, Cin, Cout] */
  kernel: tf.Variable;
}

export interface PlainDense {
  kind: 'plain-dense';
  name: string;
  inFeatures: number;
  outFeatures: number;
  /** [in, out] */
  kernel: tf.Variable;
  bias: tf.Variable;
}

export interface BatchNorm {
  name: string;
  channels: number;
  gamma: tf.Variable;
  beta: tf.Variable;
  movingMean: tf.Variable;
  movingVariance: tf.Variable;
}

/** PyTorch's defaults: running = 0.9 running + 0.1 batch, unbiased batch variance. */
export const BN_MOMENTUM = 0.9;
export const BN_EPSILON = 1e-5;

export function createPlainConv(spec: Omit<PlainConv, 'kind' | 'kernel'>, seed: number): PlainConv {
  const { kernelSize: k, inChannels, outChannels, name } = spec;
  const kernel = tf.tensor4d(heNormalValues(k * k * inChannels, outChannels, seed), [
    k,
    k,
    inChannels,
    outChannels,
  ]);
  return { kind: 'plain-conv', ...spec, kernel: adoptAsVariable(kernel, `${name}/kernel`) };
}

export function createPlainDense(
  spec: Omit<PlainDense, 'kind' | 'kernel' | 'bias'>,
  seed: number,
): PlainDense {
  const { name, inFeatures, outFeatures } = spec;
  return {
    kind: 'plain-dense',
    ...spec,
    kernel: adoptAsVariable(
      tf.tensor2d(heNormalValues(inFeatures, outFeatures, seed), [inFeatures, outFeatures]),
      `${name}/kernel`,
    ),
    bias: adoptAsVariable(tf.zeros([outFeatures]), `${name}/bias`),
  };
}

export function createBatchNorm(name: string, channels: number): BatchNorm {
  return {
    name,
    channels,
    gamma: adoptAsVariable(tf.ones([channels]), `${name}/gamma`),
    beta: adoptAsVariable(tf.zeros([channels]), `${name}/beta`),
    movingMean: adoptAsVariable(tf.zeros([channels]), `${name}/movingMean`, false),
    movingVariance: adoptAsVariable(tf.ones([channels]), `${name}/movingVariance`, false),
  };
}

export function plainConvForward(layer: PlainConv, x: tf.Tensor4D): tf.Tensor4D {
  return conv2d(x, layer.kernel as tf.Tensor4D, layer.stride, layer.padding);
}

export function plainDenseForward(layer: PlainDense, x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.add(tf.matMul(x, layer.kernel as tf.Tensor2D), layer.bias));
}

/**
 * Batch statistics in training (and the running averages updated as a side effect; assign is
 * outside the loss's graph, so no gradient flows through it), running statistics in evaluation.
 */
export function batchNormForward(bn: BatchNorm, x: tf.Tensor4D, training: boolean): tf.Tensor4D {
  return tf.tidy((): tf.Tensor4D => {
    if (!training) {
      return tf.batchNorm(
        x,
        bn.movingMean,
        bn.movingVariance,
        bn.beta,
        bn.gamma,
        BN_EPSILON,
      ) as tf.Tensor4D;
    }
    const { y, mean, variance } = batchStatisticsNorm(x, bn.gamma, bn.beta);
    const count = x.size / bn.channels;
    const unbiased = tf.mul(variance, count / Math.max(1, count - 1));
    bn.movingMean.assign(tf.add(tf.mul(bn.movingMean, BN_MOMENTUM), tf.mul(mean, 1 - BN_MOMENTUM)));
    bn.movingVariance.assign(
      tf.add(tf.mul(bn.movingVariance, BN_MOMENTUM), tf.mul(unbiased, 1 - BN_MOMENTUM)),
    );
    tf.dispose([mean, variance]);
    return y;
  });
}

/**
 * Training-mode batch norm with the closed-form backward pass
 * dx = gamma / sigma * (dy - mean(dy) - xhat * mean(dy * xhat)). Differentiating
 * tf.moments + tf.batchNorm instead costs a Tile of every activation per layer (FusedBatchNorm's
 * gradient), which dominated a ResNet step on the wasm backend.
 */
export function batchStatisticsNorm(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D | tf.Variable,
  beta: tf.Tensor1D | tf.Variable,
): { y: tf.Tensor4D; mean: tf.Tensor1D; variance: tf.Tensor1D } {
  let statistics: tf.Tensor1D[] = [];
  const normalise = tf.customGrad(((
    input: tf.Tensor4D,
    scale: tf.Tensor1D,
    shift: tf.Tensor1D,
    save: tf.GradSaveFunc,
  ) => {
    if (tf.getKernel(BATCH_NORM_TRAIN, tf.getBackend())) {
      // the same computation as below, fused (the wasm backend registers these kernels)
      const [y, mean, variance, inverseSigma] = tf
        .engine()
        .runKernel(
          BATCH_NORM_TRAIN,
          { x: input, gamma: scale, beta: shift },
          { epsilon: BN_EPSILON },
        ) as tf.Tensor[];
      statistics = [tf.keep(mean), tf.keep(variance)] as tf.Tensor1D[];
      save([input, mean, scale, inverseSigma]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
          const [savedInput, savedMean, savedScale, savedInverseSigma] = saved;
          return tf.engine().runKernel(BATCH_NORM_TRAIN_GRAD, {
            dy,
            x: savedInput,
            mean: savedMean,
            gamma: savedScale,
            inverseSigma: savedInverseSigma,
          }) as tf.Tensor[];
        },
      };
    }
    const { mean, variance } = tf.moments(input, [0, 1, 2]);
    const inverseSigma = tf.rsqrt(tf.add(variance, BN_EPSILON));
    const normalised = tf.mul(tf.sub(input, mean), inverseSigma);
    statistics = [tf.keep(mean), tf.keep(variance)] as tf.Tensor1D[];
    save([normalised, scale, inverseSigma]);
    return {
      value: tf.add(tf.mul(normalised, scale), shift),
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [xhat, savedScale, savedInverseSigma] = saved;
        const shiftGradient = tf.sum(dy, [0, 1, 2]);
        const scaleGradient = tf.sum(tf.mul(dy, xhat), [0, 1, 2]);
        const count = dy.size / dy.shape[3];
        const centred = tf.sub(
          tf.sub(dy, tf.div(shiftGradient, count)),
          tf.mul(xhat, tf.div(scaleGradient, count)),
        );
        return [
          tf.mul(centred, tf.mul(savedScale, savedInverseSigma)),
          scaleGradient,
          shiftGradient,
        ];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  const y = normalise(x, gamma, beta) as tf.Tensor4D;
  const [mean, variance] = statistics;
  return { y, mean, variance };
}
