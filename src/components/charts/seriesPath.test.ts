import { describe, expect, it } from 'vitest';
import { dotsPath, linePath, nearestIndex, type Scale } from './seriesPath';

const double: Scale = (v) => 2 * v;
const logScale: Scale = (v) => (v > 0 ? -10 * Math.log10(v) : undefined);

describe('series paths', () => {
  it('draw a line through the points, in pixels to a tenth', () => {
    const points = [
      { x: 0, y: 1 },
      { x: 1.04, y: 2 },
      { x: 2, y: 3 },
    ];
    expect(linePath(points, double, double, 'linear')).toBe('M0,2L2.1,4L4,6');
  });

  it('hold each value to the next x in a step line', () => {
    const points = [
      { x: 0, y: 1 },
      { x: 1, y: 3 },
    ];
    expect(linePath(points, double, double, 'stepAfter')).toBe('M0,2H2V6');
  });

  it('go over gaps: nulls, NaN, and values the scale cannot draw (log of 0)', () => {
    const points = [
      { x: 1, y: 1 },
      { x: 2, y: null },
      { x: 3, y: NaN },
      { x: 4, y: 0 },
      { x: 5, y: 10 },
    ];
    expect(linePath(points, double, logScale, 'linear')).toBe('M2,0L10,-10');
    expect(dotsPath(points, double, logScale, 1).match(/M/g)).toHaveLength(2);
    expect(linePath([], double, double, 'linear')).toBe('');
  });

  it('draw every dot in one path: circles as two arcs, crosses as two strokes', () => {
    expect(dotsPath([{ x: 5, y: 5 }], double, double, 2)).toBe(
      'M8,10a2,2 0 1,0 4,0a2,2 0 1,0 -4,0',
    );
    expect(dotsPath([{ x: 5, y: 5 }], double, double, 2, 'cross')).toBe('M8,8l4,4m0,-4l-4,4');
    expect(
      dotsPath(
        [
          { x: 5, y: 5 },
          { x: 6, y: null },
          { x: 7, y: 7 },
        ],
        double,
        double,
        1,
      ),
    ).toMatch(/^M9,10a.*M13,14a/);
  });

  it('find the point nearest an x', () => {
    const points = [0, 10, 20, 40].map((x) => ({ x, y: 1 }));
    expect(nearestIndex(points, -5)).toBe(0);
    expect(nearestIndex(points, 14)).toBe(1);
    expect(nearestIndex(points, 16)).toBe(2);
    expect(nearestIndex(points, 31)).toBe(3);
    expect(nearestIndex(points, 99)).toBe(3);
    expect(nearestIndex([], 1)).toBe(-1);
  });
});
