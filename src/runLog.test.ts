import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from './config';
import type { RunHistory } from './protocol';
import { decodeRunLog, encodeRunLog, historyBetween, RUN_LOG_FORMAT } from './runLog';
import { sampleHeader, sampleHistory } from './testing/sampleRun';

const history = sampleHistory;
const header = sampleHeader;

describe('run logs', () => {
  it('write a header, then steps and events in step order, and read back the same history', () => {
    const text = encodeRunLog(header, history);
    const lines = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; step?: number });
    expect(lines[0]).toMatchObject({ type: 'header', format: RUN_LOG_FORMAT, version: 1 });
    expect(lines.slice(1).map((l) => l.type)).toEqual([
      'step',
      'step',
      'evaluation',
      'step',
      'pruned',
      'step',
      'epoch',
      'spectra',
      'step',
      'step',
      'step',
      'step',
    ]);
    const log = decodeRunLog(text);
    expect(log.lastStep).toBe(8);
    expect(log.header.stepsPerEpoch).toBe(4);
    expect(Array.from(log.history.steps.main!.crossEntropy)).toEqual(
      Array.from(history.steps.main!.crossEntropy),
    );
    expect(log.history.events.map((e) => e.type)).toEqual([
      'evaluation',
      'pruned',
      'epoch',
      'spectra',
    ]);
    // the last spectrum's values travel in its own line
    const spectra = log.history.events[3] as Extract<
      RunHistory['events'][number],
      { type: 'spectra' }
    >;
    expect(Array.from(spectra.values[0])).toEqual([3, 2, 1]);
  });

  it('work out steps per epoch from the dataset when a log does not say', () => {
    const text = encodeRunLog(
      { ...header, stepsPerEpoch: undefined as unknown as number },
      history,
    );
    expect(decodeRunLog(text).header.stepsPerEpoch).toBe(Math.ceil(16 / DEFAULT_CONFIG.batchSize));
  });

  it('refuse a malformed log naming the line and what is wrong', () => {
    const good = encodeRunLog(header, history).trim().split('\n');
    const broken = (index: number, line: string) =>
      [...good.slice(0, index), line, ...good.slice(index + 1)].join('\n');
    expect(() => decodeRunLog('')).toThrow('line 1: the file is empty');
    expect(() => decodeRunLog('{"type":"step"}')).toThrow('line 1: not a run log');
    expect(() => decodeRunLog(broken(0, good[0].replace('"version":1', '"version":7')))).toThrow(
      'newer than this studio reads',
    );
    expect(() =>
      decodeRunLog(broken(0, good[0].replace('"lambdaRank"', '"lambdaRenamed"'))),
    ).toThrow("line 1: the header's config lacks lambdaRank");
    expect(() => decodeRunLog(broken(2, '{"type":"step","step":2}'))).toThrow(
      'line 3: a step needs numbers for epoch',
    );
    expect(() => decodeRunLog(broken(3, '{not json'))).toThrow('line 4: not JSON');
    expect(() => decodeRunLog(broken(5, '{"type":"pruned","step":3,"events":[]}'))).toThrow(
      "line 6: a prune event's size needs numbers for paramsKept",
    );
    expect(() => decodeRunLog(broken(4, '{"type":"weights"}'))).toThrow(
      "line 5: unknown record type 'weights'",
    );
  });

  it('cut a history into the steps between two points, for a replay', () => {
    const first = historyBetween(history, -Infinity, 3);
    const rest = historyBetween(history, 3, 8);
    expect(Array.from(first.steps.main!.step)).toEqual([1, 2, 3]);
    expect(Array.from(rest.steps.main!.step)).toEqual([4, 5, 6, 7, 8]);
    expect(first.events.map((e) => e.type)).toEqual(['evaluation', 'pruned']);
    expect(rest.events.map((e) => e.type)).toEqual(['epoch', 'spectra']);
    expect(historyBetween(history, 8, 10).steps.main).toBeUndefined();
  });
});
