import { describe, expect, it } from 'vitest';
import { needsIsolationReload, versionNotice } from './siteVersion';

describe('versionNotice', () => {
  it('says nothing on a first visit or on the same deployment', () => {
    expect(versionNotice(null, 'b1')).toBeNull();
    expect(versionNotice('b1', 'b1')).toBeNull();
  });

  it('says "updated" on the first visit of a new deployment', () => {
    expect(versionNotice('b1', 'b2')).toEqual({ kind: 'updated', builtAt: 'b2' });
  });
});

describe('needsIsolationReload', () => {
  it('reloads a controlled page that is not isolated, once', () => {
    expect(needsIsolationReload({ isolated: false, controlled: true, reloadedBefore: false })).toBe(
      true,
    );
    expect(needsIsolationReload({ isolated: false, controlled: true, reloadedBefore: true })).toBe(
      false,
    );
  });

  it('leaves an isolated or an uncontrolled page alone', () => {
    expect(needsIsolationReload({ isolated: true, controlled: true, reloadedBefore: false })).toBe(
      false,
    );
    expect(
      needsIsolationReload({ isolated: false, controlled: false, reloadedBefore: false }),
    ).toBe(false);
  });
});
