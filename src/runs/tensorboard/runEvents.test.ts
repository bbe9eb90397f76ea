import { describe, expect, it } from 'vitest';
import { decodeRunLog } from '../../runLog';
import { tinyRunLogText } from '../../testing/runLogs';
import { decodeEventFile } from './eventFile';
import type { SummaryValue, TensorBoardEvent } from './eventProto';
import { runLogToEventFiles, SPECTRUM_BUCKETS } from './runEvents';

const START = 1_700_000_000.5;

function eventsOf(text: string, start = START) {
  const files = runLogToEventFiles(decodeRunLog(text), { startWallTime: start });
  return files.map(({ path, bytes }) => ({ path, events: decodeEventFile(bytes) }));
}

/** Every value of `tag` as [step, value, wall time]. */
function series(events: TensorBoardEvent[], tag: string) {
  return events.flatMap(({ step, wallTime, summary }) =>
    (summary ?? [])
      .filter((value) => value.tag === tag)
      .map((value) => [step, (value as Extract<SummaryValue, { kind: 'scalar' }>).value, wallTime]),
  );
}

describe('a run log as event files', () => {
  const [main, baseline] = eventsOf(tinyRunLogText());

  it('writes the run at the top and its dense baseline in a folder of its own', () => {
    expect(main.path).toBe('events.out.tfevents.1700000000.lowrank-studio');
    expect(baseline.path).toBe('dense-baseline/events.out.tfevents.1700000000.lowrank-studio');
    expect(main.events[0].fileVersion).toBe('brain.Event:2');
  });

  it('puts the header first, at step 0, as the pretty JSON of the log header', () => {
    const header = main.events[1].summary![0];
    expect(header).toMatchObject({ kind: 'text', tag: 'run/header' });
    const text = (header as Extract<SummaryValue, { kind: 'text' }>).text;
    expect(text).toBe(JSON.stringify(decodeRunLog(tinyRunLogText()).header, null, 2));
    expect(main.events[1].step).toBe(0);
  });

  it('writes every step metric at its step, timed by the steps before it', () => {
    const total = series(main.events, 'loss/total');
    expect(total.map(([step]) => step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(total[1][1]).toBeCloseTo(2.3, 6);
    // step i (from 1) took 12.5 + i - 1 ms
    expect(total[0][2]).toBe(START + 12.5 / 1000);
    expect(total[1][2]).toBe(START + (12.5 + 13.5) / 1000);
    expect(series(main.events, 'speed/step_ms')[7][1]).toBe(19.5);
    expect(series(baseline.events, 'loss/cross_entropy')[0][1]).toBeCloseTo(2.25, 6);
  });

  it('writes epochs as test accuracy, loss and size, and evaluations once', () => {
    expect(series(main.events, 'accuracy/test').map(([s, v]) => [s, v])).toEqual([
      [4, 0.375],
      [8, 0.5],
      [8, 0.515625],
    ]);
    expect(series(main.events, 'epoch').map(([s, v]) => [s, v])).toEqual([
      [4, 1],
      [8, 2],
    ]);
    expect(series(main.events, 'size/params_kept').map(([s]) => s)).toEqual([3, 4, 8]);
    expect(series(baseline.events, 'accuracy/test_slice').map(([s, v]) => [s, v])).toEqual([
      [2, 0.25],
    ]);
    // an epoch's event takes the wall time of its last step
    expect(series(main.events, 'epoch')[0][2]).toBe(series(main.events, 'loss/total')[3][2]);
  });

  it('names the epochs validation where the log held images out', () => {
    const [held] = eventsOf(tinyRunLogText({ validation: true }));
    expect(series(held.events, 'accuracy/validation').map(([s]) => s)).toEqual([4, 8]);
    expect(series(held.events, 'loss/validation')).toHaveLength(2);
    expect(series(held.events, 'accuracy/test').map(([s]) => s)).toEqual([8]);
  });

  it('writes ranks per layer and a histogram of each spectrum over [0, max]', () => {
    expect(series(main.events, 'rank/stage1/block1/conv1').map(([s, v]) => [s, v])).toEqual([
      [0, 4],
      [3, 3],
      [4, 3],
    ]);
    const histograms = main.events.flatMap(({ step, summary }) =>
      (summary ?? []).flatMap((v) =>
        v.kind === 'histogram' && v.tag === 'spectrum/fc' ? [{ step, ...v.histogram }] : [],
      ),
    );
    expect(histograms.map((h) => h.step)).toEqual([0, 4]);
    const [first] = histograms;
    expect(first).toMatchObject({ min: 0, max: 2, num: 3, sum: 3, sumSquares: 5 });
    expect(first.bucketLimit).toHaveLength(SPECTRUM_BUCKETS);
    expect(first.bucketLimit.at(-1)).toBe(2);
    // 0 in the first bucket, 1 in the sixteenth ([1, 1 + 2/30)), 2 (the max) in the last
    expect(first.bucket.flatMap((count, i) => (count ? [[i, count]] : []))).toEqual([
      [0, 1],
      [15, 1],
      [29, 1],
    ]);
  });
});
