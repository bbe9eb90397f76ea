// TF.js backends for Node scripts: wasm (XNNPACK, with this project's training kernels) by
// default, TF.js's pure-JavaScript cpu backend, or WebGPU on a GPU server (Dawn's Node binding).
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../../src/kernels/wasmTraining';
import { installNodeWebgpu } from './nodeWebgpu';
import { watchGpuErrors } from '../../src/worker/gpuErrors';

export const NODE_BACKENDS = ['wasm', 'cpu', 'webgpu'] as const;
export type NodeBackend = (typeof NODE_BACKENDS)[number];

export function parseNodeBackend(value: string): NodeBackend {
  if (!NODE_BACKENDS.includes(value as NodeBackend)) {
    throw new Error(`--backend must be one of ${NODE_BACKENDS.join(', ')}, got '${value}'`);
  }
  return value as NodeBackend;
}

export async function startNodeBackend(backend: NodeBackend): Promise<void> {
  // silences the 'install tfjs-node' banner: these backends are deliberate
  tf.env().set('PROD', true);
  registerWasmTrainingKernels();
  if (backend === 'webgpu') await installNodeWebgpu();
  if (!(await tf.setBackend(backend))) throw new Error(`the ${backend} backend did not start`);
  await tf.ready();
  // a kernel the GPU rejected leaves wrong numbers behind: stop rather than report them
  watchGpuErrors((message) => {
    console.error(message);
    process.exit(1);
  });
}
