import { switchToNewVersion } from '../offline/registerOffline';
import { useStudio, type SiteNotice as Notice } from '../store/store';

function message(notice: Notice): string {
  switch (notice.kind) {
    case 'offline-ready':
      return 'The studio is now saved in this browser: it opens and trains offline from here on.';
    case 'update-ready':
      return 'A new version of the studio is ready: it opens on your next visit.';
    case 'isolation-ready':
      return 'Reload the page to let the wasm backend use every core (this run keeps one thread).';
    case 'updated':
      return `The studio was updated since your last visit (this version: ${notice.builtAt}).`;
  }
}

/** What the page says about the site itself: saved for offline use, updated, a new version. */
export function SiteNotice() {
  const notice = useStudio((state) => state.siteNotice);
  const setSiteNotice = useStudio((state) => state.setSiteNotice);
  if (!notice) return null;
  return (
    <p className="site-notice" role="status" data-testid="site-notice" data-kind={notice.kind}>
      {message(notice)}{' '}
      {notice.kind === 'update-ready' && (
        <button type="button" onClick={switchToNewVersion}>
          Switch now
        </button>
      )}{' '}
      <button type="button" aria-label="Dismiss" onClick={() => setSiteNotice(null)}>
        ×
      </button>
    </p>
  );
}
