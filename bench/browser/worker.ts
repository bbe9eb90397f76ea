// Runs one backend's benchmark plan in a worker, as the studio trains in one.
import '@tensorflow/tfjs-backend-webgpu';
import '../../src/worker/wasmSetup';
import * as tf from '@tensorflow/tfjs';
import { runPlan } from '../lib/plan';
import type { BenchReply, BenchRequest } from './protocol';

function reply(message: BenchReply): void {
  self.postMessage(message);
}

self.onmessage = async ({ data }: MessageEvent<BenchRequest>) => {
  try {
    if (!(await tf.setBackend(data.backend))) throw new Error(`${data.backend} did not start`);
    await tf.ready();
    const results = await runPlan(data.backend, data.items, data.options, (message) =>
      reply({ type: 'progress', message }),
    );
    reply({ type: 'done', backend: data.backend, results });
  } catch (error) {
    reply({ type: 'error', message: (error as Error).message });
  }
};
