// Worker entry: wires the training session to the worker's message port and to the browser
// services (backend selection, dataset loading and cache). The logic lives in session.ts.
import './wasmSetup';
import * as tf from '@tensorflow/tfjs';
import type { BackendName, WorkerEvent } from '../protocol';
import {
  convGradientCheck,
  DEFAULT_ORDER,
  environmentFingerprint,
  rememberedBackend,
  selectBackend,
} from './backends';
import { browserAutosave } from './autosave';
import { clearCached, listCached } from './datasetCache';
import { loadDataset } from './datasetLoader';
import { TrainingSession } from './session';
import { watchGpuErrors } from './gpuErrors';

function backendOrder(preferred?: BackendName): readonly BackendName[] {
  return preferred ? [preferred, ...DEFAULT_ORDER.filter((b) => b !== preferred)] : DEFAULT_ORDER;
}

const session = new TrainingSession(
  { post: (event, transfer = []) => self.postMessage(event, { transfer }) },
  {
    async selectBackend(preferred, remembered, onProgress) {
      const fingerprint = await environmentFingerprint();
      const known =
        !preferred && remembered
          ? await rememberedBackend(remembered, fingerprint, onProgress)
          : null;
      const choice =
        known ??
        (await selectBackend(backendOrder(preferred), preferred !== undefined, onProgress));
      watchGpuErrors((message) =>
        self.postMessage({ type: 'error', message } satisfies WorkerEvent),
      );
      return { ...choice, fingerprint, fromMemory: known !== null };
    },
    tfVersion: tf.version.tfjs,
    gradientCheck: convGradientCheck,
    loadDataset,
    listCache: listCached,
    clearCache: clearCached,
    autosave: browserAutosave(),
    memory() {
      const { numTensors, numBytes } = tf.memory();
      const wasm = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm;
      return {
        tensors: numTensors,
        bytes: numBytes,
        heapBytes: wasm?.HEAPU8?.buffer.byteLength ?? null,
      };
    },
  },
);

self.onmessage = (message: MessageEvent<unknown>) => void session.receive(message.data);
