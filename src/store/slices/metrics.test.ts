import { beforeEach, describe, expect, it } from 'vitest';
import type { EpochSummary } from '../../protocol';
import { latestTest, useStudio } from '../store';

const epoch = (step: number, testAccuracy: number) =>
  ({ epoch: 1, step, testAccuracy, testLoss: 1, testCount: 500 }) as EpochSummary;

beforeEach(() => useStudio.setState(useStudio.getInitialState(), true));

describe('test accuracy in the store', () => {
  it('keeps each run’s evaluations, both scopes, in arrival order', () => {
    const { addEvaluation } = useStudio.getState();
    addEvaluation({ run: 'main', scope: 'slice', step: 10, count: 100, testAccuracy: 0.2 });
    addEvaluation({ run: 'baseline', scope: 'slice', step: 10, count: 100, testAccuracy: 0.3 });
    addEvaluation({ run: 'main', scope: 'full', step: 20, count: 500, testAccuracy: 0.4 });
    const { evaluations } = useStudio.getState();
    expect(evaluations.main.map((e) => [e.scope, e.accuracy])).toEqual([
      ['slice', 0.2],
      ['full', 0.4],
    ]);
    expect(evaluations.baseline).toEqual([{ step: 10, accuracy: 0.3, scope: 'slice', count: 100 }]);
  });

  it('reads the latest figure from whichever came later: an evaluation or an epoch', () => {
    const slice = { step: 30, accuracy: 0.5, scope: 'slice' as const, count: 100 };
    expect(latestTest(undefined, undefined)).toBeNull();
    expect(latestTest(undefined, slice)).toBe(slice);
    expect(latestTest(epoch(20, 0.4), slice)).toBe(slice);
    expect(latestTest(epoch(40, 0.6), slice)).toEqual({
      step: 40,
      accuracy: 0.6,
      scope: 'full',
      count: 500,
    });
    // the epoch's whole-test-set figure wins a tie with a slice at the same step
    expect(latestTest(epoch(30, 0.45), slice)?.scope).toBe('full');
  });

  it('clears every run’s evaluations with the metrics', () => {
    const { addEvaluation, clearMetrics } = useStudio.getState();
    addEvaluation({ run: 'baseline', scope: 'slice', step: 1, count: 100, testAccuracy: 0.1 });
    clearMetrics();
    expect(useStudio.getState().evaluations).toEqual({ main: [], baseline: [] });
  });
});
