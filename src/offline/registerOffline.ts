// The page's side of the offline app: registers the service worker, reloads a first visit once
// so the worker's isolation headers apply, and tells the store what to say about versions.
import { Workbox } from 'workbox-window';
import { browserStorage } from '../bridge/browserMemory';
import { useStudio } from '../store/store';
import { needsIsolationReload, SEEN_BUILD_KEY, versionNotice } from './siteVersion';

const RELOADED_KEY = 'studio:isolation-reload';
/** the offline copy was made just before a reload: say so on the reloaded page */
const OFFLINE_READY_KEY = 'studio:offline-ready';
let workbox: Workbox | null = null;

/** Reloads the page when the service worker's headers would isolate it; true when it does. */
function reloadForIsolation(): boolean {
  const session = browserStorage('sessionStorage');
  const reload = needsIsolationReload({
    isolated: globalThis.crossOriginIsolated === true,
    controlled: navigator.serviceWorker.controller !== null,
    reloadedBefore: session?.getItem(RELOADED_KEY) === '1',
  });
  if (!reload) return false;
  session?.setItem(RELOADED_KEY, '1');
  location.reload();
  return true;
}

/** Sets the site up for offline use; true when the page is about to reload (start nothing). */
export function registerOffline(): boolean {
  const local = browserStorage('localStorage');
  const { setSiteNotice } = useStudio.getState();
  const build =
    document.querySelector<HTMLMetaElement>('meta[name="studio-build"]')?.content ?? 'unknown';
  const notice = versionNotice(local?.getItem(SEEN_BUILD_KEY) ?? null, build);
  local?.setItem(SEEN_BUILD_KEY, build);
  if (notice) setSiteNotice(notice);
  const session = browserStorage('sessionStorage');
  if (session?.getItem(OFFLINE_READY_KEY) === '1') {
    session.removeItem(OFFLINE_READY_KEY);
    setSiteNotice({ kind: 'offline-ready' });
  }
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return false;
  if (reloadForIsolation()) return true;

  workbox = new Workbox(new URL('serviceWorker.js', document.baseURI).href);
  workbox.addEventListener('installed', (event) => {
    if (event.isUpdate) return;
    setSiteNotice({ kind: 'offline-ready' });
    session?.setItem(OFFLINE_READY_KEY, '1'); // in case the isolation reload comes next
  });
  workbox.addEventListener('waiting', () => setSiteNotice({ kind: 'update-ready' }));
  workbox.addEventListener('controlling', (event) => {
    // asked to switch: load the new version whole, never half of each
    if (event.isUpdate) {
      location.reload();
      return;
    }
    // a first visit's worker took over: isolate now, unless a run has already started
    const idle = useStudio.getState().runState === 'idle';
    if (idle && reloadForIsolation()) return;
    session?.removeItem(OFFLINE_READY_KEY); // no reload: this page already said it
    if (!idle && !globalThis.crossOriginIsolated) setSiteNotice({ kind: 'isolation-ready' });
  });
  workbox.register().catch((error: Error) => {
    console.warn(`the studio will not work offline: ${error.message}`);
  });
  return false;
}

/** Makes the waiting new version take over this tab now (it then reloads). */
export function switchToNewVersion(): void {
  workbox?.messageSkipWaiting();
}
