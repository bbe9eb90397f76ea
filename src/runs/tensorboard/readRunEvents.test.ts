import { describe, expect, it } from 'vitest';
import { decodeRunLog } from '../../runLog';
import { tinyRunLogText } from '../../testing/runLogs';
import { encodeEventFile } from './eventFile';
import { eventFilesToRunLog } from './readRunEvents';
import { runLogToEventFiles } from './runEvents';

describe('event files read back', () => {
  const log = decodeRunLog(tinyRunLogText());
  const files = runLogToEventFiles(log, { startWallTime: 1_700_000_000 });
  const back = eventFilesToRunLog(files);

  it('give the header and every step of both runs as they were', () => {
    expect(back.header).toEqual(log.header);
    expect(back.lastStep).toBe(log.lastStep);
    for (const run of ['main', 'baseline'] as const)
      expect(back.history.steps[run]).toEqual(log.history.steps[run]);
  });

  it("give each epoch's accuracy and size, and the evaluations, prune events and ranks", () => {
    const kinds = (events: typeof log.history.events) =>
      events.map((e) => `${e.type}@${e.type === 'epoch' ? e.summary.step : e.step}`);
    // the journal kept the baseline's events in the order they came; both are in step order
    expect(kinds(back.history.events).sort()).toEqual(kinds(log.history.events).sort());
    const epochs = (events: typeof log.history.events) =>
      events.flatMap((e) => (e.type === 'epoch' ? [e] : []));
    const original = epochs(log.history.events);
    expect(epochs(back.history.events)).toHaveLength(original.length);
    for (const event of epochs(back.history.events)) {
      const { summary } = original.find(
        (e) => e.run === event.run && e.summary.step === event.summary.step,
      )!;
      expect(event.summary.epoch).toBe(summary.epoch);
      expect(event.summary.testAccuracy).toBeCloseTo(summary.testAccuracy, 6);
      expect(event.summary.testLoss).toBeCloseTo(summary.testLoss, 6);
      for (const [field, value] of Object.entries(summary.size))
        expect(event.summary.size[field as keyof typeof summary.size]).toBeCloseTo(value, 6);
    }
    const pruned = back.history.events.find((e) => e.type === 'pruned');
    expect(pruned).toMatchObject({
      step: 3,
      events: [{ layer: 'stage1/block1/conv1', oldRank: 4, newRank: 3 }],
    });
  });

  it('refuse an event file the studio or the twin did not write', () => {
    const foreign = encodeEventFile([
      { wallTime: 1, step: 1, summary: [{ kind: 'scalar', tag: 'loss', value: 1 }] },
    ]);
    expect(() => eventFilesToRunLog([{ path: 'events.out.tfevents.1.x', bytes: foreign }])).toThrow(
      'events.out.tfevents.1.x was written by something other than the studio or the twin: it has no run/header text',
    );
  });
});
