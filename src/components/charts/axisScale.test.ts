import { describe, expect, it } from 'vitest';
import { coarseStep, decadeRange, roundStep, steady, zeroBasedRange } from './axisScale';

describe('axis ranges', () => {
  it('round steps are 1, 2, 2.5 or 5 times a power of ten', () => {
    expect(roundStep(1000, 5, true)).toBe(200);
    expect(roundStep(1100, 5, true)).toBe(250);
    expect(roundStep(2.3, 5, false)).toBeCloseTo(0.5);
    expect(roundStep(3, 5, true)).toBe(1);
  });

  it('a growing maximum moves the top only when it passes it, and ticks end at the top', () => {
    const tops = new Set<number>();
    for (let max = 1001; max <= 2000; max += 7) tops.add(zeroBasedRange(max).domain[1]);
    expect([...tops]).toEqual([1250, 1500, 2000]);
    expect(zeroBasedRange(1001)).toEqual({
      domain: [0, 1250],
      ticks: [0, 250, 500, 750, 1000, 1250],
    });
    expect(zeroBasedRange(2.31, 5, false).ticks).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
  });

  it('empty, zero or non-finite data still give a drawable range', () => {
    expect(zeroBasedRange(0).domain).toEqual([0, 1]);
    expect(zeroBasedRange(Number.NaN).domain).toEqual([0, 1]);
    expect(zeroBasedRange(-Infinity, 4, true, 8).domain).toEqual([0, 8]);
  });

  it('log ranges cover whole decades', () => {
    expect(decadeRange(3e-5, 0.2)).toEqual({ domain: [1e-6, 1], ticks: [1e-6, 1e-4, 1e-2, 1] });
    expect(decadeRange(3e-4, 0.2).ticks).toEqual([1e-4, 1e-3, 1e-2, 0.1, 1]);
    expect(decadeRange(0.5, 0.5).domain).toEqual([0.1, 1]);
    expect(decadeRange(0, Number.NaN).domain).toEqual([1e-3, 1]);
    // seven decades: a label every second one, from the top down past the bottom
    expect(decadeRange(1e-7, 0.5).ticks).toEqual([1e-8, 1e-6, 1e-4, 1e-2, 1]);
  });
});

describe('steady ranges', () => {
  it('give back the first object for equal ranges', () => {
    const first = steady(zeroBasedRange(1001));
    expect(steady(zeroBasedRange(1100))).toBe(first);
    expect(steady(zeroBasedRange(1300))).not.toBe(first);
  });
});

describe('coarse steps', () => {
  it('round down to a twentieth of the step, so a growing step changes it now and then', () => {
    expect(coarseStep(0)).toBe(0);
    expect(coarseStep(7)).toBe(7);
    expect(coarseStep(3190)).toBe(3000);
    const seen = new Set<number>();
    for (let step = 1000; step <= 2000; step++) seen.add(coarseStep(step));
    expect(seen.size).toBeLessThanOrEqual(20);
  });
});

describe('steady ranges without ticks', () => {
  it('tell ranges apart by their domain too', () => {
    const five = steady({ domain: [0, 5], ticks: [] });
    expect(steady({ domain: [0, 5], ticks: [] })).toBe(five);
    expect(steady({ domain: [0, 9], ticks: [] }).domain).toEqual([0, 9]);
  });
});
