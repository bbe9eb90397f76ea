import { describe, expect, it } from 'vitest';
import { decodeRunLog } from '../runLog';
import { sampleRunLogText } from '../testing/sampleRun';
import { DIGEST_POINTS, summariseRun } from './runSummary';

describe('summariseRun', () => {
  it('reads a run log into the table row: accuracy, size, steps, time', () => {
    const { summary, digest } = summariseRun(decodeRunLog(sampleRunLogText()));
    expect(summary.testAccuracy).toBe(0.5);
    expect(summary.validationAccuracy).toBeNull();
    expect(summary.paramsKept).toBe(0.8);
    expect(summary.macsKept).toBe(0.85);
    expect(summary.lastStep).toBe(8);
    expect(summary.epochs).toBe(1);
    // eight steps of 12.5 ms
    expect(summary.seconds).toBeCloseTo(0.1, 6);
    expect(digest.crossEntropy).toHaveLength(8);
    expect(digest.evalAccuracy).toEqual([{ x: 4, y: 0.5 }]);
    // full size from step 0, then the prune at step 3 and the epoch at 4
    expect(digest.paramsKept.map((p) => p.x)).toEqual([0, 3, 4]);
  });

  it("a validated run's epochs are validation accuracy, and its test figure is the evaluation", () => {
    const text = sampleRunLogText({}, { validationCount: 10 });
    const withTest = `${text}${JSON.stringify({ type: 'evaluation', run: 'main', scope: 'full', step: 8, count: 64, testAccuracy: 0.625, testLoss: 1 })}\n`;
    const { summary } = summariseRun(decodeRunLog(withTest));
    expect(summary.validationAccuracy).toBe(0.5);
    expect(summary.testAccuracy).toBe(0.625);
    expect(summariseRun(decodeRunLog(text)).summary.testAccuracy).toBeNull();
  });

  it('keeps a long run to a few hundred points a series', () => {
    const lines = sampleRunLogText().trimEnd().split('\n');
    const step = JSON.parse(lines.find((l) => l.includes('"type":"step"'))!);
    const long = [lines[0]];
    for (let s = 1; s <= 50_000; s++) long.push(JSON.stringify({ ...step, step: s }));
    const { summary, digest } = summariseRun(decodeRunLog(long.join('\n')));
    expect(summary.lastStep).toBe(50_000);
    expect(digest.crossEntropy.length).toBeLessThanOrEqual(DIGEST_POINTS);
    expect(digest.crossEntropy.at(-1)!.x).toBe(50_000);
  });
});
