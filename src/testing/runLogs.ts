// A small run log with every kind of record (steps of a run and its dense baseline, test-slice
// and full evaluations, prune events, spectra with and without values, epochs), for the tests of
// the TensorBoard export and its parity with the twin's.
import { DEFAULT_CONFIG } from '../config';
import type { EpochSummary, HistoryEvent, RunName, StepRecord } from '../protocol';
import { encodeRunLog } from '../runLog';
import { toSeries } from '../train/stepSeries';

const STEPS = 8;
const size = (kept: number) => ({
  paramsKept: kept,
  factorisedParamsKept: kept * 1.4,
  macsKept: kept * 0.9,
  rankKept: kept * 0.8,
  compressionRatio: 1 / kept,
});
const costs = { dense: 1000, factorised: 1400, deployable: 1000 };
const layers = [
  { name: 'stage1/block1/conv1', rank: 4, fullRank: 4, breakEvenRank: 2.5, fading: 0 },
  { name: 'fc', rank: 3, fullRank: 3, breakEvenRank: 1.5, fading: 0 },
];

function steps(run: RunName): StepRecord[] {
  return Array.from({ length: STEPS }, (_, i) => ({
    step: i + 1,
    epoch: Math.floor(i / 4),
    crossEntropy: 2.3 - i / 10 - (run === 'baseline' ? 0.05 : 0),
    orth: run === 'main' ? 1e-3 / (i + 1) : 0,
    rank: run === 'main' ? 0.5 - i / 100 : 0,
    total: 2.4 - i / 10,
    trainAccuracy: i / 16,
    learningRate: 0.1 * (1 - i / STEPS),
    lambdaRank: run === 'main' ? 0.3 : 0,
    stepMs: 12.5 + i,
  }));
}

function epoch(run: RunName, number: number, accuracy: number, kept: number): HistoryEvent {
  const summary: EpochSummary = {
    epoch: number,
    step: number * 4,
    pruningWindow: 'open',
    testAccuracy: accuracy,
    testLoss: 2 - accuracy,
    testCount: 64,
    size: size(kept),
    params: costs,
    macs: costs,
  };
  return { type: 'epoch', run, summary };
}

/** The log as run-log.jsonl text; `validation`: the epochs were evaluated on held-out images. */
export function tinyRunLogText({ validation = false } = {}): string {
  const slice = (run: RunName, step: number, testAccuracy: number): HistoryEvent => ({
    type: 'evaluation',
    run,
    scope: 'slice',
    step,
    count: 32,
    testAccuracy,
    testLoss: 2.1,
  });
  const spectra = (step: number, ranks: number[], values: Float32Array[]): HistoryEvent => ({
    type: 'spectra',
    step,
    layers: layers.map((layer, i) => ({ ...layer, rank: ranks[i] })),
    values,
  });
  const pruned = [{ layer: 'stage1/block1/conv1', oldRank: 4, newRank: 3 }];
  const events: HistoryEvent[] = [
    spectra(0, [4, 3], [Float32Array.of(3, 2, 1, 0.5), Float32Array.of(2, 1, 0)]),
    slice('main', 2, 0.125),
    slice('baseline', 2, 0.25),
    { type: 'pruned', step: 3, events: pruned, size: size(0.8) },
    spectra(3, [3, 3], []),
    epoch('main', 1, 0.375, 0.8),
    epoch('baseline', 1, 0.4375, 1),
    spectra(4, [3, 3], [Float32Array.of(2.5, 1.25, 0.1), Float32Array.of(1.5, 0.75, 0.2)]),
    epoch('main', 2, 0.5, 0.8),
    epoch('baseline', 2, 0.5625, 1),
    {
      type: 'evaluation',
      run: 'main',
      scope: 'full',
      step: 8,
      count: 64,
      testAccuracy: 0.515625,
      testLoss: 1.5,
    },
  ];
  const header = {
    producer: 'lowrank-studio test',
    config: { ...DEFAULT_CONFIG, epochs: 2, batchSize: 16 },
    stepsPerEpoch: 4,
    dataset: {
      name: 'Built-in shapes',
      trainCount: 64,
      testCount: 64,
      ...(validation ? { validationCount: 64 } : {}),
      classNames: ['circle', 'square', 'triangle', 'ring «ü»'],
    },
    layers,
    params: costs,
    macs: costs,
  };
  const history = {
    steps: { main: toSeries(steps('main')), baseline: toSeries(steps('baseline')) },
    events,
    spectra: null,
  };
  return encodeRunLog(header, history);
}
