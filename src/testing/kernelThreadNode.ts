// A kernel helper thread under Node's worker_threads, for tests of kernelThreads.ts (the studio
// starts kernelThread.worker.ts as a Web Worker instead).
import { parentPort } from 'node:worker_threads';
import { serveKernelJobs, type KernelThreadStart } from '../kernels/kernelThreads';

parentPort?.once('message', (start: KernelThreadStart) => serveKernelJobs(start));
