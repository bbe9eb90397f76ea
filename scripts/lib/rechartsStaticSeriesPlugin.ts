// Recharts 3.11 draws every series through its animation wrapper, keyed by an id that changes
// whenever the series' points do; with animation off, a live chart's every redraw still unmounts
// each line and scatter and builds its SVG anew (and a Line measures its old path's length, a
// forced layout). On a two-core machine with Chromium 156 that made each chart's redraw a 50-130
// ms task. With animation off, these patches draw the final frame directly, so React updates the
// existing path and dots in place; animated series are untouched.
import type { Plugin } from 'vite';
import { applyPatches, sourcePatchPlugin, type SourcePatch } from './sourcePatchPlugin.ts';

const FILES = /recharts[\\/]es6[\\/](animation[\\/]AnimatedItems|cartesian[\\/]Line)\.js$/;

const PATCHES: readonly SourcePatch[] = [
  {
    name: 'series drawn without the animation wrapper',
    from: '  var animationItems = matchAnimationItems(',
    to: `  if (isAnimationActive === false) {
    animationStartItems.syncStepValue(items, 1, true);
    return items == null ? null : children(items, 1, rawPrevItems == null);
  }
  var animationItems = matchAnimationItems(`,
  },
  {
    name: 'no path length without animation',
    from: '  var totalLength = getTotalLength(pathRef.current);',
    to: '  var totalLength = isAnimationActive === false ? 0 : getTotalLength(pathRef.current);',
  },
];

/** The module's code with the patches for it applied, or null when it is not one they are for. */
export function withStaticSeries(
  code: string,
  id: string,
): { code: string; applied: string[] } | null {
  return FILES.test(id) ? applyPatches(code, PATCHES) : null;
}

export function rechartsStaticSeriesPlugin(): Plugin {
  return sourcePatchPlugin(
    'recharts-static-series',
    FILES,
    PATCHES,
    (missing) =>
      `Recharts changed: the patch "${missing.join('" and "')}" found nothing to change, so live charts would rebuild their series on every redraw; update scripts/lib/rechartsStaticSeriesPlugin.ts`,
  );
}
