// Loads the wasm backend from this site's own files (no CDN), with threads where the page is
// cross-origin isolated, and adds its training kernels.
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import plainWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simdWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
// the factory's own file, unbundled: each pthread worker loads it (scripts/lib/wasmThreadsPlugin.ts)
import threadedScript from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js?url';
import { enableKernelThreads } from '../kernels/kernelThreads';
import { registerWasmTrainingKernels } from '../kernels/wasmTraining';
import { threadsAsked, wasmThreads } from './threads';

const threads = wasmThreads(
  typeof crossOriginIsolated !== 'undefined' && crossOriginIsolated,
  navigator.hardwareConcurrency,
  threadsAsked((globalThis as { name?: string }).name),
);
const fixes = globalThis as Record<string, unknown>;
fixes.__TFJS_WASM_THREADED_SCRIPT__ = new URL(threadedScript, self.location.href).href;
// the backend's pool takes half the cores it is told of
fixes.__TFJS_WASM_LOGICAL_CORES__ = 2 * threads.count;
if (threads.count > 1) {
  // XNNPACK's own pool keeps one thread: the heavy kernels (convolutions, their gradients, batch
  // norm) are this project's and run on the kernel threads, and a second pool's workers, which
  // spin between jobs, took cores from them (Chromium, two cores, ResNet-20, ms a step at batch
  // 32 / 128: 124-128 / 375-380 with XNNPACK on both cores, 111-112 / 361-366 on one)
  setThreadsCount(1);
  // the caller and count - 1 helpers
  enableKernelThreads(
    threads.count - 1,
    // written out in the call, as Vite needs to bundle the worker
    () =>
      new Worker(new URL('../kernels/kernelThread.worker.ts', import.meta.url), {
        type: 'module',
        name: 'kernel thread',
      }),
  );
} else tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
setWasmPaths({
  'tfjs-backend-wasm.wasm': plainWasm,
  'tfjs-backend-wasm-simd.wasm': simdWasm,
  'tfjs-backend-wasm-threaded-simd.wasm': threadedWasm,
});
registerWasmTrainingKernels();

/** The threads the wasm kernels are meant to run on, and why only one where that is so. */
export const plannedWasmThreads = threads;
