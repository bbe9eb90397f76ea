// A helper thread for the SIMD kernels (kernelThreads.ts): started once, then it serves jobs.
import { serveKernelJobs, type KernelThreadStart } from './kernelThreads';

self.onmessage = ({ data }: MessageEvent<KernelThreadStart>) => serveKernelJobs(data);
