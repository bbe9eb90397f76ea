// TF.js as this project uses it: core ops with their gradients, layers (the exported model) and
// the cpu backend. The union package '@tensorflow/tfjs' adds the converter, tfjs-data and the WebGL
// backend, which the worker would parse at every start; the build resolves it to this module, and
// the GPU backends load when the backend choice tries them (worker/backends.ts).
import '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import '@tensorflow/tfjs-backend-cpu';
import { version_core } from '@tensorflow/tfjs-core';

export * from '@tensorflow/tfjs-core';
export * from '@tensorflow/tfjs-layers';

export const version = { 'tfjs-core': version_core, tfjs: version_core };
