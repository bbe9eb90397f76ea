import { describe, expect, it } from 'vitest';
import { forgetBackend, loadRememberedBackend, rememberBackend } from './browserMemory';

function memoryStorage(): Storage {
  const values = new Map<string, string>();
  return {
    get length() {
      return values.size;
    },
    clear: () => values.clear(),
    getItem: (key) => values.get(key) ?? null,
    key: (index) => [...values.keys()][index] ?? null,
    removeItem: (key) => void values.delete(key),
    setItem: (key, value) => void values.set(key, value),
  };
}

describe('remembered backend', () => {
  it('keeps the choice and its fingerprint, and forgets it on request', () => {
    const storage = memoryStorage();
    expect(loadRememberedBackend(storage)).toBeUndefined();
    rememberBackend(storage, { backend: 'wasm', fingerprint: 'tfjs 4.22.0 | webgpu: none' });
    expect(loadRememberedBackend(storage)).toEqual({
      backend: 'wasm',
      fingerprint: 'tfjs 4.22.0 | webgpu: none',
    });
    forgetBackend(storage);
    expect(loadRememberedBackend(storage)).toBeUndefined();
  });

  it('ignores damaged or foreign values and missing storage', () => {
    const storage = memoryStorage();
    storage.setItem('lowrank-studio.backend', '{not json');
    expect(loadRememberedBackend(storage)).toBeUndefined();
    storage.setItem('lowrank-studio.backend', '{"backend":"cuda","fingerprint":"x"}');
    expect(loadRememberedBackend(storage)).toBeUndefined();
    expect(loadRememberedBackend(undefined)).toBeUndefined();
    expect(() => rememberBackend(undefined, { backend: 'cpu', fingerprint: '' })).not.toThrow();
  });
});
