// Which notice a visit shows about the site's version, decided from what this browser saw last.
import type { SiteNotice } from '../store/store';

export const SEEN_BUILD_KEY = 'studio:build-seen';

/**
 * 'updated' when this browser last ran another deployment: the service worker only switches
 * versions between visits (or when asked), so this is the first visit of the new one.
 */
export function versionNotice(seenBuild: string | null, currentBuild: string): SiteNotice | null {
  if (seenBuild === null || seenBuild === currentBuild) return null;
  return { kind: 'updated', builtAt: currentBuild };
}

/**
 * A page served by the service worker but not isolated was opened before the worker took over
 * (a first visit): one reload gives it the headers. Never more than once per tab, so a browser
 * that cannot isolate is not reloaded forever.
 */
export function needsIsolationReload(state: {
  isolated: boolean;
  controlled: boolean;
  reloadedBefore: boolean;
}): boolean {
  return !state.isolated && state.controlled && !state.reloadedBefore;
}
