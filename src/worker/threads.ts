/**
 * How many threads the wasm kernels get: every core, up to eight (TF.js's default, half the
 * cores, would give a two-core laptop one thread; the speed-up is in docs/speed.md). The
 * project's kernels run on the training worker and helper workers of their own; XNNPACK's pool
 * keeps one thread (wasmSetup.ts). `?threads=1` in the address compares.
 */
export const MAX_WASM_THREADS = 8;

export function wasmThreads(
  isolated: boolean,
  cores: number | undefined,
  asked?: number,
): { count: number; reason: string | null } {
  const usable = Math.max(1, Math.min(MAX_WASM_THREADS, Math.floor(asked ?? cores ?? 1)));
  if (!isolated)
    return {
      count: 1,
      reason: `page not cross-origin isolated, so no shared memory: 1 thread instead of ${usable}`,
    };
  if (usable > 1) return { count: usable, reason: null };
  return { count: 1, reason: asked ? 'asked for in the address' : 'the browser reports one core' };
}

/** The training worker's name, which carries the thread count asked for (see wasmSetup.ts). */
export function workerName(threads?: number): string {
  return threads ? `training threads=${threads}` : 'training';
}

/** The thread count a worker's name asks for, if any. */
export function threadsAsked(name: string | undefined): number | undefined {
  const match = /threads=(\d+)/.exec(name ?? '');
  return match ? Number(match[1]) : undefined;
}
