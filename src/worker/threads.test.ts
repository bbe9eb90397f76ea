import { describe, expect, it } from 'vitest';
import { MAX_WASM_THREADS, threadsAsked, wasmThreads, workerName } from './threads';

describe('wasmThreads', () => {
  it('uses every core of an isolated page, up to the cap', () => {
    expect(wasmThreads(true, 2)).toEqual({ count: 2, reason: null });
    expect(wasmThreads(true, 64).count).toBe(MAX_WASM_THREADS);
  });

  it('says why a page gets one thread, and what it costs', () => {
    expect(wasmThreads(false, 4)).toEqual({
      count: 1,
      reason: 'page not cross-origin isolated, so no shared memory: 1 thread instead of 4',
    });
    expect(wasmThreads(true, 1).reason).toContain('one core');
    expect(wasmThreads(true, undefined).count).toBe(1);
  });
});

describe('the thread count asked for', () => {
  it('travels in the worker name and overrides the core count', () => {
    expect(threadsAsked(workerName(1))).toBe(1);
    expect(threadsAsked(workerName())).toBeUndefined();
    expect(wasmThreads(true, 4, 1)).toEqual({ count: 1, reason: 'asked for in the address' });
    expect(wasmThreads(true, 2, 3).count).toBe(3);
  });
});
