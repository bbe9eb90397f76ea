// A small hook on window for end-to-end and soak tests: facts not on screen (the worker's tensor
// count and memory), read through the same worker protocol as everything else.
import type { WorkerEvent } from '../protocol';

export type MemoryFacts = Omit<Extract<WorkerEvent, { type: 'memory' }>, 'type'>;

export interface StudioTestHook {
  memory(): Promise<MemoryFacts>;
}

let waiting: ((facts: MemoryFacts) => void)[] = [];

/** Called by the bridge with every 'memory' event. */
export function memoryReported(event: Extract<WorkerEvent, { type: 'memory' }>): void {
  const { tensors, bytes, heapBytes } = event;
  const resolve = waiting;
  waiting = [];
  resolve.forEach((done) => done({ tensors, bytes, heapBytes }));
}

export function installTestHook(askMemory: () => void): void {
  const hook: StudioTestHook = {
    memory: () =>
      new Promise((resolve) => {
        waiting.push(resolve);
        askMemory();
      }),
  };
  (window as unknown as { __studio: StudioTestHook }).__studio = hook;
}
