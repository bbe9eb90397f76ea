// The backend this browser chose on an earlier visit, kept in localStorage with the fingerprint
// it was chosen on, so a repeat visit starts training in a second instead of racing backends.
import { BACKENDS, type RememberedBackend } from '../protocol';

const KEY = 'lowrank-studio.backend';

export function loadRememberedBackend(storage: Storage | undefined): RememberedBackend | undefined {
  try {
    const saved = JSON.parse(storage?.getItem(KEY) ?? 'null') as Partial<RememberedBackend> | null;
    if (saved && BACKENDS.includes(saved.backend as never) && typeof saved.fingerprint === 'string')
      return { backend: saved.backend!, fingerprint: saved.fingerprint };
  } catch {
    // unreadable or blocked storage: choose afresh
  }
  return undefined;
}

export function rememberBackend(storage: Storage | undefined, choice: RememberedBackend): void {
  try {
    storage?.setItem(
      KEY,
      JSON.stringify({ backend: choice.backend, fingerprint: choice.fingerprint }),
    );
  } catch {
    // storage full or blocked: the next visit races again, nothing worse
  }
}

export function forgetBackend(storage: Storage | undefined): void {
  try {
    storage?.removeItem(KEY);
  } catch {
    // nothing to forget
  }
}
