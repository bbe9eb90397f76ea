import { describe, expect, it } from 'vitest';
import { presetConfig } from '../../src/presets';
import type { EpochReport } from '../../src/train/reports';
import { consoleProgress } from './progress';

function stream(isTTY: boolean) {
  const written: string[] = [];
  return {
    written,
    stream: { isTTY, write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream,
  };
}

const report = { epoch: 1, test: { accuracy: 0.4123 }, pruneEvents: [{}, {}] } as EpochReport;
const entry = {
  epoch: 1,
  step: 63,
  trainLoss: 1.5,
  trainAccuracy: 0.4,
  testAccuracy: 0.4123,
  paramsKeptPercent: 80,
  factorisedParamsKeptPercent: 82,
  rankKeptPercent: 85,
  pruned: 2,
};

describe('progress output', () => {
  it('draws a live bar on a terminal', () => {
    const { stream: tty, written } = stream(true);
    const progress = consoleProgress(presetConfig('classroom'), 'lowrank', tty);
    progress.step(0, 10, 63, 2.1, 0.2);
    progress.epoch(report, entry);
    expect(written[0]).toMatch(/^\r {2}lowrank epoch 1\/12 \[====> +\] 10\/63/);
    expect(written[1].startsWith('\n')).toBe(true);
  });

  it('writes one line an epoch, and no bar, to a log or CI', () => {
    const { stream: log, written } = stream(false);
    const progress = consoleProgress(presetConfig('classroom'), 'lowrank', log);
    for (let step = 1; step <= 63; step++) progress.step(0, step, 63, 2, 0.3);
    progress.epoch(report, entry);
    expect(written).toEqual([
      '  lowrank epoch 1: train loss 1.500, test accuracy 41.23%, params kept 80.0% (factorised 82.0%, rank 85.0%), 2 cuts\n',
    ]);
  });
});
