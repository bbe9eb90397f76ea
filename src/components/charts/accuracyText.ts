// Test accuracy in words: which measurement the latest figure is (a slice or the whole test set),
// for the summary readout and the accuracy chart's text alternative.
import type { TestEvaluation } from '../../store/store';

type LatestTest = TestEvaluation | null;

export function testAccuracyDetail(latest: LatestTest): string {
  if (!latest) return '';
  return latest.scope === 'slice'
    ? `${latest.count}-image test slice, step ${latest.step}`
    : `all ${latest.count} test images, step ${latest.step}`;
}

export function accuracySummary(latest: LatestTest, trainPercent?: number): string {
  const train =
    trainPercent === undefined
      ? ''
      : ` Train accuracy (moving average) ${trainPercent.toFixed(1)}%.`;
  if (!latest) return `Accuracy: no test measurement yet.${train}`;
  return `Test accuracy ${(100 * latest.accuracy).toFixed(1)}% (${testAccuracyDetail(latest)}).${train}`;
}
