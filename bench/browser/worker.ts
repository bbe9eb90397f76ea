// Runs one backend's benchmark plan in a worker, as the studio trains in one.
import '@tensorflow/tfjs-backend-webgpu';
import { plannedWasmThreads } from '../../src/worker/wasmSetup';
import * as tf from '@tensorflow/tfjs';
import { runPlan } from '../lib/plan';
import { kernelThreadsStatus, startKernelThreadsOn } from '../../src/kernels/kernelThreads';
import { backendMemory, fusedMultiplyAdd } from '../../src/kernels/wasmSimd';
import { profileTrainingStep, type StepProfile } from '../lib/stepProfile';
import { timeConvKernels } from '../lib/convTable';
import type { BenchReply, BenchRequest } from './protocol';

function reply(message: BenchReply): void {
  self.postMessage(message);
}

self.onmessage = async ({ data }: MessageEvent<BenchRequest>) => {
  try {
    if (!(await tf.setBackend(data.backend))) throw new Error(`${data.backend} did not start`);
    await tf.ready();
    if (data.backend === 'wasm') {
      await startKernelThreadsOn(backendMemory(tf.engine().backend));
      // rows are labelled with the threads asked for: say so when they did not all start
      const { threads, note } = kernelThreadsStatus();
      if (threads !== plannedWasmThreads.count) {
        throw new Error(`wasm kernels on ${threads} of ${plannedWasmThreads.count} threads: ${note}`);
      }
    }
    if (data.profile) {
      const { variants, batchSize, steps, convReps } = data.profile;
      const convs = convReps ? timeConvKernels(batchSize, convReps) : [];
      const profiles: StepProfile[] = [];
      for (const variant of variants) {
        reply({ type: 'progress', message: `profiling ${variant} batch ${batchSize}` });
        profiles.push(await profileTrainingStep(variant, batchSize, steps));
      }
      const kernels = kernelThreadsStatus();
      const note = `kernel threads ${kernels.threads}${kernels.note ? ` (${kernels.note})` : ''}, ${fusedMultiplyAdd ? 'relaxed SIMD' : 'plain SIMD'}`;
      reply({ type: 'profiled', backend: data.backend, threads: kernels.threads, profiles, convs, note });
      return;
    }
    const results = await runPlan(data.backend, data.items, data.options, (message) =>
      reply({ type: 'progress', message }),
    );
    reply({ type: 'done', backend: data.backend, results });
  } catch (error) {
    reply({ type: 'error', message: (error as Error).message });
  }
};
