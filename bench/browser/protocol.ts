// Messages between the benchmark page and its worker.
import type { PlanItem, PlanOptions, PlanResults } from '../lib/plan';

export interface BenchRequest {
  backend: string;
  /** wasm threads (else every core), given to the worker by its name */
  threads?: number;
  items: PlanItem[];
  options: PlanOptions;
}

export type BenchReply =
  | { type: 'progress'; message: string }
  | { type: 'done'; backend: string; results: PlanResults }
  | { type: 'error'; message: string };

/** What the page leaves on window for the runner to read. */
export interface BenchState {
  done: boolean;
  log: string[];
  reply?: BenchReply;
}
