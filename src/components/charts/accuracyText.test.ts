import { describe, expect, it } from 'vitest';
import { accuracySummary, testAccuracyDetail } from './accuracyText';

describe('test accuracy in words', () => {
  it('says whether the figure comes from the slice or the whole test set', () => {
    const slice = { step: 40, accuracy: 0.3125, scope: 'slice' as const, count: 256 };
    const full = { step: 63, accuracy: 0.412, scope: 'full' as const, count: 500 };
    expect(testAccuracyDetail(slice)).toBe('256-image test slice, step 40');
    expect(testAccuracyDetail(full)).toBe('all 500 test images, step 63');
    expect(accuracySummary(full, 45.25)).toBe(
      'Test accuracy 41.2% (all 500 test images, step 63). Train accuracy (moving average) 45.3%.',
    );
    expect(accuracySummary(null)).toBe('Accuracy: no test measurement yet.');
  });
});
