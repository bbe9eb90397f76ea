import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { maxAbsDiff } from '../testing/tensors';
import { accountModel } from '../lowrank/accounting';
import {
  accountingInputs,
  convsWithSizes,
  countParams,
  disposeModel,
  factorisedLayers,
  forward,
  type ModelConfig,
} from './resnet';
import { BuildCancelled, buildModel, buildModelAsync, buildSteps } from './resnetBuild';

const base: ModelConfig = {
  architecture: 'resnet20',
  mode: 'dense',
  widthMultiplier: 1,
  inputSize: 32,
  classes: 10,
  seed: 1,
};

describe('CIFAR ResNets', () => {
  it('dense ResNet-20 has exactly 269,722 parameters (267,696 in convs)', () => {
    const model = buildModel(base);
    expect(countParams(model)).toBe(269_722);
    const convParams = convsWithSizes(model).reduce(
      (sum, { conv }) => sum + (conv.kind === 'plain-conv' ? conv.kernel.size : 0),
      0,
    );
    expect(convParams).toBe(267_696);
    disposeModel(model);
  });

  it('factorised ResNet-20 at full rank: 18 factorised convs, conv params as docs/method.md, "Accounting"', () => {
    const model = buildModel({ ...base, mode: 'lowrank' });
    const layers = factorisedLayers(model);
    expect(layers.filter((l) => l.kind === 'conv')).toHaveLength(18);
    const convs = layers.filter((l) => l.kind === 'conv');
    // r (k*k*Cin + Cout) + r for the 18 factorised convs, plus the dense 3-channel stem
    const withS = convs.reduce((sum, l) => sum + l.U.size + l.V.size + l.s.size, 0);
    expect(withS + 432).toBe(300_624);
    // docs/method.md's 300,208 (+12%) is sum r (k*k*Cin + Cout) over all 19 convs, stem included, without s
    const uvOnly = convs.reduce((sum, l) => sum + l.U.size + l.V.size, 0);
    expect(uvOnly + 16 * (27 + 16)).toBe(300_208);
    const { shapes, fixed } = accountingInputs(model);
    const accounting = accountModel(shapes, fixed);
    // at full rank every layer is above break-even, so the deployable model is the dense one
    expect(accounting.deployable.params).toBe(269_722);
    expect(accounting.dense.params).toBe(269_722);
    disposeModel(model);
  });

  it('at step 0 the factorised net computes the same function as the dense baseline', () => {
    const config = {
      ...base,
      architecture: 'resnet8' as const,
      widthMultiplier: 0.25,
      inputSize: 16,
    };
    const dense = buildModel(config);
    const lowrank = buildModel({ ...config, mode: 'lowrank' });
    const x = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const [a, b] = [dense, lowrank].map((m) => forward(m, x, false));
    expect(a.shape).toEqual([2, 10]);
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-4);
    tf.dispose([x, a, b]);
    [dense, lowrank].forEach(disposeModel);
  });

  it.each([
    ['resnet32', 31],
    ['resnet56', 55],
  ] as const)('%s has %i convs before the classifier', (architecture, convCount) => {
    const model = buildModel({ ...base, architecture, widthMultiplier: 0.125, inputSize: 8 });
    expect(convsWithSizes(model)).toHaveLength(convCount);
    disposeModel(model);
  });

  it('ResNet-18 (CIFAR): 3x3 stem, 4 stages, 1x1 projection shortcuts, factorised too', () => {
    const model = buildModel({
      ...base,
      architecture: 'resnet18',
      mode: 'lowrank',
      widthMultiplier: 0.125,
      inputSize: 8,
    });
    const projections = model.blocks.filter((b) => b.shortcut.kind === 'projection');
    expect(projections).toHaveLength(3);
    expect(model.blocks.map((b) => b.outSize)).toEqual([8, 8, 4, 4, 2, 2, 1, 1]);
    expect(factorisedLayers(model)).toHaveLength(16 + 3 + 1);
    const x = tf.randomNormal([2, 8, 8, 3]) as tf.Tensor4D;
    const logits = forward(model, x, true);
    expect(logits.shape).toEqual([2, 10]);
    tf.dispose([x, logits]);
    disposeModel(model);
  });
});

describe('building a network a block at a time', () => {
  const config = {
    architecture: 'resnet20' as const,
    mode: 'lowrank' as const,
    widthMultiplier: 0.25,
    inputSize: 8,
    classes: 10,
    seed: 3,
  };

  it('reports every block and builds the same network as the one-go builder', async () => {
    const steps: string[] = [];
    const stepwise = await buildModelAsync(config, {
      onStep: (_, total, name) => steps.push(`${name}/${total}`),
    });
    expect(steps).toHaveLength(buildSteps(config));
    expect(steps[0]).toBe('stage1/block1/10');
    expect(steps.at(-1)).toBe('classifier/10');
    const direct = buildModel(config);
    expect(countParams(stepwise)).toBe(countParams(direct));
    disposeModel(stepwise);
    disposeModel(direct);
  });

  it('stops when cancelled and frees what it had made', async () => {
    const tensors = tf.memory().numTensors;
    let asked = 0;
    await expect(buildModelAsync(config, { cancelled: () => ++asked > 4 })).rejects.toBeInstanceOf(
      BuildCancelled,
    );
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
