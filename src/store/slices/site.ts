// What the page says about the site itself: offline copy, a new version.
import type { SliceCreator } from './types';

/** What the page says about the site itself: offline copy, a new version. */
export type SiteNotice =
  | { kind: 'offline-ready' }
  | { kind: 'update-ready' }
  | { kind: 'isolation-ready' }
  | { kind: 'updated'; builtAt: string };

export interface SiteSlice {
  siteNotice: SiteNotice | null;
  setSiteNotice: (notice: SiteNotice | null) => void;
}

export const createSiteSlice: SliceCreator<SiteSlice> = (set) => ({
  siteNotice: null,
  setSiteNotice: (siteNotice) => set({ siteNotice }),
});
