// Recharts 3.11 draws every series through its animation wrapper, keyed by an id that changes
// whenever the series' points do; with animation off, a live chart's every redraw still unmounts
// each line and scatter and builds its SVG anew (and a Line measures its old path's length, a
// forced layout). On a two-core machine with Chromium 156 that made each chart's redraw a 50-130
// ms task. With animation off, these patches draw the final frame directly, so React updates the
// existing path and dots in place; animated series are untouched.
import type { Plugin } from 'vite';

const PATCHES = [
  {
    name: 'series drawn without the animation wrapper',
    file: /recharts[\\/]es6[\\/]animation[\\/]AnimatedItems\.js$/,
    from: '  var animationItems = matchAnimationItems(',
    to: `  if (isAnimationActive === false) {
    animationStartItems.syncStepValue(items, 1, true);
    return items == null ? null : children(items, 1, rawPrevItems == null);
  }
  var animationItems = matchAnimationItems(`,
  },
  {
    name: 'no path length without animation',
    file: /recharts[\\/]es6[\\/]cartesian[\\/]Line\.js$/,
    from: '  var totalLength = getTotalLength(pathRef.current);',
    to: '  var totalLength = isAnimationActive === false ? 0 : getTotalLength(pathRef.current);',
  },
] as const;

/** The module's code with the patch for its file applied, or null when none is for it. */
export function withStaticSeries(
  code: string,
  id: string,
): { code: string; applied: string | null } | null {
  const patch = PATCHES.find((p) => p.file.test(id));
  if (!patch) return null;
  return code.includes(patch.from)
    ? { code: code.replace(patch.from, patch.to), applied: patch.name }
    : { code, applied: null };
}

export function rechartsStaticSeriesPlugin(): Plugin {
  let applied = new Set<string>();
  let seen = false;
  return {
    name: 'recharts-static-series',
    enforce: 'pre',
    buildStart() {
      applied = new Set();
      seen = false;
    },
    transform(code, id) {
      const patched = withStaticSeries(code, id);
      if (!patched) return null;
      seen = true;
      if (patched.applied) applied.add(patched.applied);
      return patched.applied ? { code: patched.code, map: null } : null;
    },
    buildEnd() {
      const missing = PATCHES.filter((p) => !applied.has(p.name)).map((p) => p.name);
      if (seen && missing.length)
        this.error(
          `Recharts changed: the patch "${missing.join('" and "')}" found nothing to change, so live charts would rebuild their series on every redraw; update scripts/lib/rechartsStaticSeriesPlugin.ts`,
        );
    },
  };
}
