// What this browser remembers between visits, in localStorage: the backend chosen on an earlier
// visit with the fingerprint it was chosen on (a repeat visit starts in a second instead of
// racing backends), and the dataset loaded last (a cached CIFAR set is loaded again).
import { BACKENDS, type DatasetSource, type RememberedBackend } from '../protocol';

/** This browser's local or session storage; undefined where it is blocked (private modes). */
export function browserStorage(
  kind: 'localStorage' | 'sessionStorage' = 'localStorage',
): Storage | undefined {
  try {
    return globalThis[kind];
  } catch {
    return undefined;
  }
}

const KEY = 'lowrank-studio.backend';
const DATASET_KEY = 'lowrank-studio.dataset';

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

/** Remembers a cached dataset as the one to load next visit; the built-in set needs no memory. */
export function rememberLastDataset(storage: Storage | undefined, source: DatasetSource): void {
  try {
    if (source.kind === 'cached') storage?.setItem(DATASET_KEY, JSON.stringify(source));
    else storage?.removeItem(DATASET_KEY);
  } catch {
    // blocked storage: the next visit starts on the built-in set
  }
}

export function loadLastDataset(storage: Storage | undefined): DatasetSource | undefined {
  try {
    const saved = JSON.parse(storage?.getItem(DATASET_KEY) ?? 'null') as Partial<
      Extract<DatasetSource, { kind: 'cached' }>
    > | null;
    if (saved?.kind === 'cached' && typeof saved.key === 'string' && typeof saved.name === 'string')
      return { kind: 'cached', key: saved.key, name: saved.name };
  } catch {
    // unreadable: start on the built-in set
  }
  return undefined;
}
