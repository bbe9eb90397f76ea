// Messages between the benchmark page and its worker.
import type { Variant } from '../lib/cases';
import type { PlanItem, PlanOptions, PlanResults } from '../lib/plan';
import type { StepProfile } from '../lib/stepProfile';
import type { ConvTiming } from '../lib/convTable';

export interface BenchRequest {
  backend: string;
  /** wasm threads (else every core), given to the worker by its name */
  threads?: number;
  items: PlanItem[];
  options: PlanOptions;
  /** profile these training steps kernel by kernel instead of running the plan (wasm only) */
  profile?: { variants: Variant[]; batchSize: number; steps: number; convReps?: number };
}

export type BenchReply =
  | { type: 'progress'; message: string }
  | { type: 'done'; backend: string; results: PlanResults }
  | {
      type: 'profiled';
      backend: string;
      threads: number;
      profiles: StepProfile[];
      /** the conv kernels by shape, when the request asked for convReps */
      convs: ConvTiming[];
      note: string;
    }
  | { type: 'error'; message: string };

/** What the page leaves on window for the runner to read. */
export interface BenchState {
  done: boolean;
  log: string[];
  reply?: BenchReply;
}
