import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type TrainConfig } from '../config';
import { columnsFor, filterRows, sortRows, type RunRow } from './runColumns';

function row(name: string, accuracy: number | null, config: Partial<TrainConfig> = {}): RunRow {
  return {
    id: name,
    name,
    note: name === 'b' ? 'the good one' : '',
    pinned: false,
    savedAt: name.charCodeAt(0),
    origin: 'studio',
    config: { ...DEFAULT_CONFIG, ...config },
    dataset: 'CIFAR-10',
    summary: {
      testAccuracy: accuracy,
      validationAccuracy: null,
      paramsKept: 0.5,
      macsKept: 0.6,
      rankKept: 0.4,
      lastStep: 100,
      epochs: 2,
      seconds: 30,
      device: 'wasm',
    },
    digest: {
      stepsPerEpoch: 50,
      crossEntropy: [],
      trainAccuracy: [],
      evalAccuracy: [],
      paramsKept: [],
      rankKept: [],
    },
    bytes: 1000,
  };
}

const rows = [
  row('a', 0.6, { lambdaRank: 0.1 }),
  row('b', 0.7, { lambdaRank: 0.3 }),
  row('c', null, { lambdaRank: 0.3 }),
];

describe('the runs table', () => {
  it('adds a column for each knob that differs, and only those', () => {
    const keys = columnsFor(rows).map((c) => c.key);
    expect(keys).toContain('lambdaRank');
    expect(keys).not.toContain('lambdaOrth');
    expect(columnsFor([rows[0]]).some((c) => c.key === 'lambdaRank')).toBe(false);
  });

  it('sorts by a column either way, runs without a value last', () => {
    const columns = columnsFor(rows);
    const names = (sorted: RunRow[]) => sorted.map((r) => r.name);
    expect(names(sortRows(rows, columns, { key: 'test', descending: true }))).toEqual([
      'b',
      'a',
      'c',
    ]);
    expect(names(sortRows(rows, columns, { key: 'test', descending: false }))).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(names(sortRows(rows, columns, { key: 'name', descending: true }))).toEqual([
      'c',
      'b',
      'a',
    ]);
  });

  it('filters by words and by comparisons on columns and knobs', () => {
    const columns = columnsFor(rows);
    const names = (filter: string) => filterRows(rows, filter, columns).map((r) => r.name);
    expect(names('good')).toEqual(['b']);
    expect(names('lambdaRank=0.3')).toEqual(['b', 'c']);
    expect(names('lambdarank=0.3 test>65')).toEqual(['b']);
    expect(names('test>=60')).toEqual(['a', 'b']);
    expect(names('mode=lowrank')).toEqual(['a', 'b', 'c']);
    expect(names('nothing-like-this')).toEqual([]);
  });
});
