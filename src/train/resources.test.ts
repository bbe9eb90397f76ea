import { describe, expect, it } from 'vitest';
import { presetConfig } from '../presets';
import { countParams, disposeModel } from '../model/resnet';
import { buildModel, modelConfigFor } from '../model/resnetBuild';
import { denseParams, estimateJob, jobTooLarge } from './resources';

describe('dense params from the plan', () => {
  it('counts what the builder makes, projections included', () => {
    for (const overrides of [
      { architecture: 'resnet20', widthMultiplier: 0.3 },
      { architecture: 'resnet18', widthMultiplier: 0.0625 },
    ] as const) {
      const config = presetConfig('micro', { ...overrides, mode: 'dense', inputSize: 8 });
      const model = buildModel(modelConfigFor(config, 10));
      expect(denseParams(config, 10)).toBe(countParams(model));
      disposeModel(model);
    }
  });
});

describe('job estimates', () => {
  it('lets the paper recipe and the demo through, with plausible step times', () => {
    const paper = presetConfig('paper-recipe');
    expect(jobTooLarge(paper, 10, 'wasm')).toBeNull();
    expect(jobTooLarge(presetConfig('classroom'), 10, 'wasm')).toBeNull();
    const estimate = estimateJob(paper, 10, 'wasm');
    // ResNet-20 at batch 128: about 4 s a step on two-core wasm, as measured by npm run bench
    expect(estimate.stepSeconds).toBeGreaterThan(2);
    expect(estimate.stepSeconds).toBeLessThan(8);
    expect(estimate.totalBytes).toBeGreaterThan(estimate.parameterBytes);
  });

  it('grows with the batch and the input size', () => {
    const small = estimateJob(presetConfig('paper-recipe', { batchSize: 32 }), 10, 'wasm');
    const large = estimateJob(presetConfig('paper-recipe', { batchSize: 128 }), 10, 'wasm');
    expect(large.activationBytes / small.activationBytes).toBeCloseTo(4, 1);
    const bigger = estimateJob(presetConfig('paper-recipe', { inputSize: 64 }), 10, 'wasm');
    expect(bigger.activationBytes / large.activationBytes).toBeGreaterThan(3.5);
  });

  it('refuses a huge job with its size and the batch that would fit', () => {
    const huge = presetConfig('paper-recipe', {
      architecture: 'resnet18',
      widthMultiplier: 2,
      inputSize: 64,
      batchSize: 1024,
      epochs: 1000,
    });
    const reason = jobTooLarge(huge, 10, 'wasm');
    expect(reason).toMatch(
      /^this job needs about \d+(\.\d)? GB \(activations .* at batch 1024 of 64 px/,
    );
    const fitting = Number(/batch size to (\d+) or less/.exec(reason!)![1]);
    expect(fitting).toBeGreaterThan(0);
    expect(jobTooLarge({ ...huge, batchSize: fitting }, 10, 'wasm')).toBeNull();
    expect(jobTooLarge({ ...huge, batchSize: fitting + 1 }, 10, 'wasm')).not.toBeNull();
  });
});
