// SVG geometry of a live series: one path for its line, one for all its dots. A chart's redraw
// then changes a few attribute strings, where a Recharts series rebuilt an object, a React
// element and (for dots) an SVG node per point, several times a second (docs/responsiveness.md).

/** A point in data units; `y` null or NaN is a gap the line goes over. */
export interface XY {
  x: number;
  y: number | null;
}

/** Data value to pixel; undefined or non-finite where the value cannot be drawn (log of 0). */
export type Scale = (value: number) => number | undefined;

export type LineShape = 'linear' | 'stepAfter';

const pixels = (value: number) => Math.round(value * 10) / 10;

/**
 * Calls `draw` with each drawable point's pixel position (to a tenth) and its rank among them.
 * No array of positions: a chart redraws its series every second.
 */
function eachDrawable(
  points: readonly XY[],
  x: Scale,
  y: Scale,
  draw: (px: number, py: number, index: number) => void,
): void {
  let drawn = 0;
  for (const point of points) {
    if (point.y === null || Number.isNaN(point.y)) continue;
    const px = x(point.x);
    const py = y(point.y);
    if (px === undefined || py === undefined || !Number.isFinite(px) || !Number.isFinite(py))
      continue;
    draw(pixels(px), pixels(py), drawn++);
  }
}

/** The `d` of a line through the drawable points (a step line holds each value to the next x). */
export function linePath(points: readonly XY[], x: Scale, y: Scale, shape: LineShape): string {
  let d = '';
  eachDrawable(points, x, y, (px, py, i) => {
    if (i === 0) d += `M${px},${py}`;
    else if (shape === 'stepAfter') d += `H${px}V${py}`;
    else d += `L${px},${py}`;
  });
  return d;
}

export type DotShape = 'circle' | 'cross';

/** The `d` of every drawable point's mark (circles of radius `r`, or crosses), as one path. */
export function dotsPath(
  points: readonly XY[],
  x: Scale,
  y: Scale,
  r: number,
  shape: DotShape = 'circle',
): string {
  let d = '';
  eachDrawable(points, x, y, (px, py) => {
    d +=
      shape === 'circle'
        ? `M${pixels(px - r)},${py}a${r},${r} 0 1,0 ${2 * r},0a${r},${r} 0 1,0 ${-2 * r},0`
        : `M${pixels(px - r)},${pixels(py - r)}l${2 * r},${2 * r}m0,${-2 * r}l${-2 * r},${2 * r}`;
  });
  return d;
}

/** The index of the point whose x is nearest `target` in points sorted by x; -1 when empty. */
export function nearestIndex(points: readonly XY[], target: number): number {
  if (points.length === 0) return -1;
  let low = 0;
  let high = points.length - 1;
  while (high - low > 1) {
    const middle = (low + high) >> 1;
    if (points[middle].x <= target) low = middle;
    else high = middle;
  }
  return Math.abs(points[high].x - target) < Math.abs(points[low].x - target) ? high : low;
}
