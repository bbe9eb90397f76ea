// A small run's history and header, as a studio run log holds them, for tests of what reads logs.
import { DEFAULT_CONFIG, type TrainConfig } from '../config';
import type { RunHistory, StepSeries } from '../protocol';
import { encodeRunLog, type RunLogHeader } from '../runLog';

export const sampleSize = {
  paramsKept: 0.8,
  factorisedParamsKept: 1.1,
  macsKept: 0.85,
  rankKept: 0.7,
  compressionRatio: 1.25,
};
export const sampleCosts = { dense: 100, factorised: 110, deployable: 80 };
export const sampleLayer = { name: 'conv1', rank: 4, fullRank: 4, breakEvenRank: 2, fading: 0 };

export function sampleSeries(steps: number[]): StepSeries {
  const f32 = (f: (s: number) => number) => Float32Array.from(steps, f);
  return {
    step: Float64Array.from(steps),
    epoch: f32((s) => s / 4),
    crossEntropy: f32((s) => 2.3 - s / 10),
    orth: f32(() => 1e-3),
    rank: f32(() => 0.5),
    total: f32((s) => 2.3 - s / 10 + 0.001),
    trainAccuracy: f32((s) => s / 10),
    learningRate: f32(() => 0.1),
    lambdaRank: f32(() => 0),
    stepMs: f32(() => 12.5),
  };
}

export const sampleHistory: RunHistory = {
  steps: { main: sampleSeries([1, 2, 3, 4, 5, 6, 7, 8]) },
  events: [
    {
      type: 'evaluation',
      run: 'main',
      scope: 'slice',
      step: 2,
      count: 32,
      testAccuracy: 0.25,
      testLoss: 2,
    },
    {
      type: 'pruned',
      step: 3,
      events: [{ layer: 'conv1', oldRank: 4, newRank: 3 }],
      size: sampleSize,
    },
    {
      type: 'epoch',
      run: 'main',
      summary: {
        epoch: 1,
        step: 4,
        testAccuracy: 0.5,
        testLoss: 1.5,
        testCount: 64,
        size: sampleSize,
        params: sampleCosts,
        macs: sampleCosts,
      },
    },
    { type: 'spectra', step: 4, layers: [{ ...sampleLayer, rank: 3 }], values: [] },
  ],
  spectra: {
    type: 'spectra',
    step: 4,
    layers: [{ ...sampleLayer, rank: 3 }],
    values: [Float32Array.of(3, 2, 1)],
  },
};

export const sampleHeader: Omit<RunLogHeader, 'type' | 'format' | 'version'> = {
  producer: 'test',
  config: DEFAULT_CONFIG,
  stepsPerEpoch: 4,
  dataset: { name: 'shapes', trainCount: 16 },
  layers: [sampleLayer],
  params: sampleCosts,
  macs: sampleCosts,
};

/** The sample run's log text, with `config` changed and `dataset` fields added. */
export function sampleRunLogText(
  config: Partial<TrainConfig> = {},
  dataset: Partial<RunLogHeader['dataset']> = {},
): string {
  return encodeRunLog(
    {
      ...sampleHeader,
      config: { ...DEFAULT_CONFIG, ...config },
      dataset: { ...sampleHeader.dataset, ...dataset },
    },
    sampleHistory,
  );
}
