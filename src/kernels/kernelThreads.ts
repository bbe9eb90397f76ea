// Helper threads for this project's own SIMD kernels (convolutions, their gradients, batch norm):
// TF.js's threaded wasm build runs only XNNPACK's kernels on its pthread pool (which the studio
// keeps at one thread, see worker/wasmSetup.ts) and ours on the calling thread; these workers
// share the backend's heap (a shared WebAssembly.Memory), wait on an Atomics control block, and
// each run a share of a job while the caller runs its own. Only where the heap is shared (a
// cross-origin isolated page's worker); elsewhere kernels run on one thread.
import {
  decodeJob,
  encodeJob,
  filterValues,
  imageShare,
  runFilterGradientJob,
  splitOutputChannels,
} from './filterGradientJob';
import type { FilterGradientJob } from './filterGradientJob';
import { instantiateSimd, type FilterGradientSimd } from './wasmSimd';

/** Int32 slots of the control block. */
const SEQUENCE = 0; // bumped once per job
const PENDING = 1; // helpers still working on the current job
const READY = 2; // helpers that instantiated their kernels
const KIND = 3; // FILTER_GRADIENT or SPLIT_CALL
const CALL = 4; // for SPLIT_CALL: an index into SPLIT_CALLS
const FAILED = 5; // set by a helper whose share threw
const NEXT_CHUNK = 6; // for SPLIT_CALL: the next chunk a thread may claim
const CHUNKS = 7; // for SPLIT_CALL: how many chunks the job has
const JOB = 8; // a filter gradient's fields (filterGradientJob.ts JOB_FIELDS)
const CHUNK_ARGS = 32; // for SPLIT_CALL: each chunk's arguments, ARGS_PER_CHUNK apart
const ARGS_PER_CHUNK = 16;
const MAX_PARTS = 8;
const MAX_CHUNKS = 32;
const CONTROL_INTS = CHUNK_ARGS + ARGS_PER_CHUNK * MAX_CHUNKS;
/**
 * A split pass is cut into this many chunks per thread, claimed one at a time: a thread that
 * starts late (a helper waking up) or loses its core for a while (the page drawing) takes fewer,
 * where equal shares would leave the others waiting for it.
 */
const CHUNKS_PER_THREAD = 4;
const FILTER_GRADIENT = 0;
const SPLIT_CALL = 1;

/** The kernel exports a job can split over threads, each part with its own arguments. */
export const SPLIT_CALLS = [
  ['batchNorm', 'moments'],
  ['batchNorm', 'scaleShift'],
  ['batchNorm', 'scaleShift2'],
  ['elementwise', 'reluGrad'],
  ['elementwise', 'copyColumns'],
  ['conv', 'lines'],
  ['matmul', 'product'],
  ['phases', 'interleave'],
] as const;
export type SplitCall = (typeof SPLIT_CALLS)[number];

type Exports = Record<string, (...args: number[]) => void>;
/** A helper that takes this long over its share is taken for dead. */
const JOB_TIMEOUT_MS = 120_000;

/**
 * How long a thread polls before it sleeps: waking a sleeping thread takes tens of microseconds,
 * and a batch-norm pass split over threads lasts a few hundred.
 */
const SPIN_MS = 0.3;

function spinUntil(done: () => boolean, ms: number): void {
  if (done()) return;
  const until = performance.now() + ms;
  while (!done() && performance.now() < until);
}

/** What a helper worker is started with. */
export interface KernelThreadStart {
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  /** this helper's part of each job (the caller runs part 0) */
  part: number;
  parts: number;
}

export class KernelThreadPool {
  private readonly control: Int32Array;
  private broken: string | null = null;

  constructor(
    readonly memory: WebAssembly.Memory,
    private readonly helpers: number,
    private readonly workers: { terminate(): void }[],
    control: SharedArrayBuffer,
  ) {
    this.control = new Int32Array(control);
  }

  /** Threads a job is split over (the caller's included) once every helper is up, else 1. */
  get threads(): number {
    return this.broken === null && Atomics.load(this.control, READY) === this.helpers
      ? this.helpers + 1
      : 1;
  }

  /** Why the helpers are not used, if they failed. */
  get failure(): string | null {
    return this.broken;
  }

  fail(reason: string): void {
    this.broken ??= reason;
  }

  /**
   * Runs the job on every thread (the caller's share here), or all of it here when alone. With
   * `job.scratch` the images are split and the helpers' copies of dW added into it after (each
   * thread then reads only its own images); without, the output channels.
   */
  runFilterGradient(simd: FilterGradientSimd, job: FilterGradientJob): void {
    const parts = this.threads;
    if (parts === 1) {
      runFilterGradientJob(simd, job);
      return;
    }
    const control = this.control;
    control[KIND] = FILTER_GRADIENT;
    encodeJob(job, control, JOB);
    this.post();
    runFilterGradientShare(simd, job, 0, parts);
    this.awaitHelpers();
    if (!job.scratch) return;
    const size = filterValues(job);
    const dw = new Float32Array(this.memory.buffer, job.dw, size);
    const copies = new Float32Array(this.memory.buffer, job.scratch, (parts - 1) * size);
    for (let part = 1; part < parts; part++) {
      for (let i = 0, at = (part - 1) * size; i < size; i++, at++) dw[i] += copies[at];
    }
  }

  /**
   * Calls `call` (a kernel export, from `exports` here) once per chunk, chunk i with
   * `chunkArgs[i]`, every thread (this one too) claiming the next chunk until none is left.
   */
  runSplitCall(call: SplitCall, exports: object, chunkArgs: number[][]): void {
    const run = (exports as Exports)[call[1]];
    if (chunkArgs.length > MAX_CHUNKS) throw new Error(`at most ${MAX_CHUNKS} chunks`);
    const control = this.control;
    control[KIND] = SPLIT_CALL;
    control[CALL] = SPLIT_CALLS.findIndex(
      ([module, name]) => module === call[0] && name === call[1],
    );
    control[CHUNKS] = chunkArgs.length;
    control[NEXT_CHUNK] = 0;
    chunkArgs.forEach((args, chunk) => {
      if (args.length > ARGS_PER_CHUNK) throw new Error(`${call[1]}: too many arguments`);
      args.forEach((value, i) => (control[CHUNK_ARGS + chunk * ARGS_PER_CHUNK + i] = value | 0));
    });
    this.post();
    for (let chunk = claim(control); chunk < chunkArgs.length; chunk = claim(control))
      run(...chunkArgs[chunk]);
    this.awaitHelpers();
  }

  private post(): void {
    Atomics.store(this.control, PENDING, this.helpers);
    Atomics.add(this.control, SEQUENCE, 1);
    Atomics.notify(this.control, SEQUENCE);
  }

  private awaitHelpers(): void {
    const control = this.control;
    spinUntil(() => Atomics.load(control, PENDING) === 0, SPIN_MS);
    for (let left = Atomics.load(control, PENDING); left !== 0;) {
      if (Atomics.wait(control, PENDING, left, JOB_TIMEOUT_MS) === 'timed-out') {
        this.fail('a kernel thread stopped answering');
        throw new Error('a kernel helper thread stopped answering: reload the page');
      }
      left = Atomics.load(control, PENDING);
    }
    if (Atomics.load(control, FAILED)) {
      this.fail('a kernel thread failed');
      throw new Error('a kernel helper thread failed on its share of a job');
    }
  }

  terminate(): void {
    this.fail('terminated');
    this.workers.forEach((worker) => worker.terminate());
  }
}

/** The next chunk of the current split call for this thread (past the last: none left). */
function claim(control: Int32Array): number {
  return Atomics.add(control, NEXT_CHUNK, 1);
}

/** One thread's share of a filter gradient (see KernelThreadPool.runFilterGradient). */
function runFilterGradientShare(
  simd: FilterGradientSimd,
  job: FilterGradientJob,
  part: number,
  parts: number,
): void {
  if (job.scratch) {
    const share = imageShare(job, part, parts);
    if (share) runFilterGradientJob(simd, share);
    return;
  }
  const [begin, end] = splitOutputChannels(job.outChannels, parts)[part];
  runFilterGradientJob(simd, job, begin, end);
}

/**
 * Starts `helpers` workers from `spawn` over the shared `memory`; they report ready through the
 * control block, and until all have, jobs run on the calling thread alone.
 */
export function startKernelThreads(
  memory: WebAssembly.Memory,
  helpers: number,
  spawn: () => Worker,
): KernelThreadPool {
  if (helpers + 1 > MAX_PARTS) throw new Error(`at most ${MAX_PARTS - 1} kernel helper threads`);
  const control = new SharedArrayBuffer(4 * CONTROL_INTS);
  const workers: Worker[] = [];
  const pool = new KernelThreadPool(memory, helpers, workers, control);
  for (let part = 1; part <= helpers; part++) {
    const worker = spawn();
    worker.onerror = (event) => pool.fail(`a kernel thread failed: ${event.message}`);
    const start: KernelThreadStart = { memory, control, part, parts: helpers + 1 };
    worker.postMessage(start);
    workers.push(worker);
  }
  return pool;
}

/**
 * A helper's life (kernelThread.worker.ts): instantiate the kernels over the shared heap, say
 * ready, then run its part of every job the caller posts, forever (the worker is terminated
 * with its pool).
 */
export function serveKernelJobs({ memory, control, part, parts }: KernelThreadStart): void {
  const modules = new Map<string, Exports>();
  for (const name of ['filterGradient', ...SPLIT_CALLS.map(([module]) => module)]) {
    const exports = instantiateSimd<Exports>(name, memory);
    if (!exports) throw new Error('this engine cannot run the SIMD kernels on a shared heap');
    modules.set(name, exports);
  }
  const simd = modules.get('filterGradient') as unknown as FilterGradientSimd;
  const slots = new Int32Array(control);
  const args: number[] = new Array(ARGS_PER_CHUNK).fill(0);
  let seen = Atomics.load(slots, SEQUENCE);
  Atomics.add(slots, READY, 1);
  for (;;) {
    spinUntil(() => Atomics.load(slots, SEQUENCE) !== seen, SPIN_MS);
    Atomics.wait(slots, SEQUENCE, seen);
    seen = Atomics.load(slots, SEQUENCE);
    try {
      if (slots[KIND] === FILTER_GRADIENT) {
        runFilterGradientShare(simd, decodeJob(slots, JOB), part, parts);
      } else if (slots[KIND] === SPLIT_CALL) {
        const [module, name] = SPLIT_CALLS[slots[CALL]];
        const run = modules.get(module)![name];
        const chunks = slots[CHUNKS];
        for (let chunk = claim(slots); chunk < chunks; chunk = claim(slots)) {
          const at = CHUNK_ARGS + chunk * ARGS_PER_CHUNK;
          for (let i = 0; i < ARGS_PER_CHUNK; i++) args[i] = slots[at + i] >>> 0;
          run(...args);
        }
      }
    } catch (error) {
      Atomics.store(slots, FAILED, 1);
      throw error;
    } finally {
      if (Atomics.sub(slots, PENDING, 1) === 1) Atomics.notify(slots, PENDING);
    }
  }
}

let spawner: { helpers: number; spawn: () => Worker } | null = null;
let active: KernelThreadPool | null = null;

/**
 * Lets the kernels use `helpers` helper threads made by `spawn` (the training worker's setup
 * does this when the backend runs threaded); the pool starts at the first job on a shared heap.
 */
export function enableKernelThreads(helpers: number, spawn: () => Worker): void {
  spawner = helpers > 0 ? { helpers, spawn } : null;
}

/** The pool for this heap, started on first use where it is shared and helpers are enabled. */
export function kernelThreadsFor(memory: WebAssembly.Memory): KernelThreadPool | null {
  if (active?.memory === memory) return active;
  const shared =
    typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  if (!spawner || !shared) return null;
  active?.terminate();
  active = startKernelThreads(memory, spawner.helpers, spawner.spawn);
  return active;
}

/** How the kernels run now, for a backend badge or a benchmark: threads, or why only one. */
export function kernelThreadsStatus(): { threads: number; note: string | null } {
  if (!active) return { threads: 1, note: spawner ? 'not started yet' : 'no helper threads' };
  return {
    threads: active.threads,
    note: active.failure ?? (active.threads > 1 ? null : 'starting'),
  };
}

/** How long a new pool's helpers get to load before the kernels go on without them. */
const START_TIMEOUT_MS = 15_000;

/**
 * Starts the pool for this heap (where helpers are enabled and the heap is shared) and waits
 * until its helpers are up. Call it between backend set-up and training: a worker that is busy
 * training without returning to its event loop cannot load the helpers' scripts.
 */
export async function startKernelThreadsOn(memory: WebAssembly.Memory | null): Promise<void> {
  const pool = memory ? kernelThreadsFor(memory) : null;
  if (!pool) return;
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (pool.threads === 1 && pool.failure === null) {
    if (Date.now() > deadline) pool.fail('the helper threads did not start in time');
    else await new Promise((done) => setTimeout(done, 5));
  }
}

/**
 * Below these sizes a pass stays on one thread: waking a sleeping helper costs more than half
 * the pass (about 0.1 ms of a memory pass, 0.2-0.3 ms of multiply-adds). Measured in the studio
 * on two cores: splitting passes of 2^16 values and convolutions of 2^20 multiply-adds made the
 * classroom demo's small net 1.5x slower on two threads than on one, while not splitting
 * ResNet-20's convolutions at batch 32 cost it a fifth of its speed.
 */
const SPLIT_MIN_VALUES = 1 << 17;
export const SPLIT_MIN_MACS = 1 << 23;

/**
 * A SIMD pass over [pixels, C] values split by pixels over the kernel threads of `memory`'s pool
 * where there is one and the pass is large enough (`macsPerValue` multiply-adds for each value
 * it writes, or a memory pass): `parts` pixel ranges (chunks, several per thread), each with
 * its own arguments, claimed by whichever thread is free.
 */
export class PixelSplit {
  readonly parts: number;
  private readonly pool: KernelThreadPool | null;

  constructor(
    private readonly exports: object,
    memory: WebAssembly.Memory | null,
    private readonly pixels: number,
    private readonly channels: number,
    macsPerValue?: number,
  ) {
    const values = pixels * channels;
    const large =
      macsPerValue === undefined
        ? values >= SPLIT_MIN_VALUES
        : values * macsPerValue >= SPLIT_MIN_MACS;
    const pool = memory && large ? kernelThreadsFor(memory) : null;
    const threads = pool?.threads ?? 1;
    this.parts = threads > 1 ? Math.min(MAX_CHUNKS, threads * CHUNKS_PER_THREAD, pixels) : 1;
    this.pool = this.parts > 1 ? pool : null;
  }

  /** Runs `call` per part: `args(byte offset of its first pixel, pixels, part)` gives its arguments. */
  run(call: SplitCall, args: (byteOffset: number, pixels: number, part: number) => number[]) {
    const ranges = Array.from({ length: this.parts }, (_, part) => {
      const first = Math.floor((this.pixels * part) / this.parts);
      const next = Math.floor((this.pixels * (part + 1)) / this.parts);
      return args(4 * first * this.channels, next - first, part);
    });
    if (this.pool) this.pool.runSplitCall(call, this.exports, ranges);
    else (this.exports as Exports)[call[1]](...ranges[0]);
  }
}
