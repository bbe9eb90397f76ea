import { describe, expect, it, vi } from 'vitest';
import { queueMount } from './idleMount';

describe('queueMount', () => {
  it('mounts one frame per idle turn, in order, and skips a cancelled one', async () => {
    vi.useFakeTimers();
    try {
      const mounted: string[] = [];
      queueMount(() => mounted.push('loss'));
      const cancel = queueMount(() => mounted.push('ranks'));
      queueMount(() => mounted.push('spectrum'));
      cancel();
      expect(mounted).toEqual([]);
      await vi.advanceTimersToNextTimerAsync();
      expect(mounted).toEqual(['loss']);
      await vi.advanceTimersToNextTimerAsync();
      expect(mounted).toEqual(['loss', 'spectrum']);
      await vi.runAllTimersAsync();
      expect(mounted).toEqual(['loss', 'spectrum']);
    } finally {
      vi.useRealTimers();
    }
  });
});
