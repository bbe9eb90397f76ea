// The one typed contract between the page and the training worker: commands go in, events come
// out, each a discriminated union on `type` (style rule 3).

export const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface SkippedBackend {
  backend: BackendName;
  reason: string;
}

export type Command =
  /** Pick a backend (the first that works, from `preferred` or the default order) and report it. */
  { type: 'init'; preferred?: BackendName };

export type WorkerEvent =
  | {
      type: 'ready';
      backend: BackendName;
      skipped: SkippedBackend[];
      tfVersion: string;
      /** result of a tiny conv-gradient check on the chosen backend, proving it can train */
      gradientCheck: number;
    }
  | { type: 'error'; message: string; command?: Command['type'] };
