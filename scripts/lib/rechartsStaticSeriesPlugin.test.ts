import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withStaticSeries } from './rechartsStaticSeriesPlugin';

const packageDir = dirname(createRequire(import.meta.url).resolve('recharts/package.json'));
const file = (path: string) => join(packageDir, path);

describe('the static-series patches', () => {
  it('apply to the installed Recharts (this fails when an upgrade moves them)', () => {
    for (const path of ['es6/animation/AnimatedItems.js', 'es6/cartesian/Line.js']) {
      const patched = withStaticSeries(readFileSync(file(path), 'utf8'), file(path));
      expect(patched?.applied, path).toHaveLength(1);
      expect(patched?.code, path).toContain('isAnimationActive === false');
    }
  });

  it('leave other modules alone', () => {
    expect(withStaticSeries('const x = 1;', file('es6/cartesian/Bar.js'))).toBeNull();
  });
});
