import { describe, expect, it } from 'vitest';
import { epochComparison, labelledRun } from './epochComparison';

const entry = (epoch: number, validationAccuracy: number) => ({
  epoch,
  step: 10 * epoch,
  trainLoss: 2 / epoch,
  trainAccuracy: 0.1 * epoch,
  validationAccuracy,
  paramsKeptPercent: 100 - 10 * epoch,
  factorisedParamsKeptPercent: 100,
  rankKeptPercent: 100,
  pruned: 0,
});

describe('epochComparison', () => {
  it('puts the runs side by side an epoch a row, with dashes past a shorter run', () => {
    const table = epochComparison([
      { label: 'TypeScript', history: [entry(1, 0.4), entry(2, 0.5)] },
      { label: 'twin', history: [entry(1, 0.45)] },
    ]);
    const rows = table.trim().split('\n');
    expect(rows).toHaveLength(4);
    expect(rows[0]).toContain('TypeScript: train loss');
    expect(rows[0]).toContain('twin: train loss');
    expect(rows[2]).toBe(
      '| 1 | 2.000 | 10.00% | 40.00% | 90.0% | 2.000 | 10.00% | 45.00% | 90.0% |',
    );
    expect(rows[3]).toBe('| 2 | 1.000 | 20.00% | 50.00% | 80.0% | – | – | – | – |');
  });

  it('stops at --epochs and reads a test-evaluated history too', () => {
    const tested = { ...entry(1, 0), validationAccuracy: undefined, testAccuracy: 0.3 };
    const table = epochComparison([{ label: 'a', history: [tested, entry(2, 0.5)] }], 1);
    expect(table.trim().split('\n')).toHaveLength(3);
    expect(table).toContain('| 30.00% |');
  });

  it('reads a labelled report, picks a mode, and says what is wrong with a bad argument', () => {
    const report = JSON.stringify({
      runs: [
        { mode: 'dense', history: [entry(1, 0.6)] },
        { mode: 'lowrank', history: [entry(1, 0.5)] },
      ],
    });
    const read = () => report;
    expect(labelledRun('x=r.json', read).history[0].validationAccuracy).toBe(0.6);
    expect(labelledRun('x=r.json#lowrank', read).history[0].validationAccuracy).toBe(0.5);
    expect(() => labelledRun('r.json', read)).toThrow(/expected label=path/);
    const denseOnly = () => JSON.stringify({ runs: [{ mode: 'dense', history: [] }] });
    expect(() => labelledRun('x=r.json#lowrank', denseOnly)).toThrow(/has no lowrank run/);
  });
});
