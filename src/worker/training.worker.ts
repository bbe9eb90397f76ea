// Worker entry: receives Commands, answers with WorkerEvents. Thin on purpose; the work lives in
// the modules it calls.
import '@tensorflow/tfjs-backend-webgpu';
import * as tf from '@tensorflow/tfjs';
import { describeDataset, type ImageDataset } from '../data/dataset';
import type { Command, WorkerEvent } from '../protocol';
import { convGradientCheck, DEFAULT_ORDER, selectBackend } from './backends';
import { clearCached, listCached } from './datasetCache';
import { loadDataset } from './datasetLoader';

const post = (event: WorkerEvent) => self.postMessage(event);

let dataset: ImageDataset | null = null;

async function handle(command: Command): Promise<void> {
  switch (command.type) {
    case 'init': {
      const order = command.preferred
        ? [command.preferred, ...DEFAULT_ORDER.filter((b) => b !== command.preferred)]
        : DEFAULT_ORDER;
      const { backend, skipped } = await selectBackend(order);
      post({
        type: 'ready',
        backend,
        skipped,
        tfVersion: tf.version.tfjs,
        gradientCheck: await convGradientCheck(),
      });
      post({ type: 'datasetCache', entries: await listCached().catch(() => []) });
      return;
    }
    case 'loadDataset': {
      const loaded = await loadDataset(command.source, (phase, loadedBytes, totalBytes) =>
        post({ type: 'datasetProgress', phase, loadedBytes, totalBytes }),
      );
      // Only a successful load replaces the current dataset: a bad file loses nothing.
      dataset = loaded.dataset;
      post({
        type: 'datasetLoaded',
        summary: { ...describeDataset(dataset), fromCache: loaded.fromCache },
      });
      post({ type: 'datasetCache', entries: await listCached().catch(() => []) });
      return;
    }
    case 'listDatasetCache':
      post({ type: 'datasetCache', entries: await listCached() });
      return;
    case 'clearDatasetCache':
      await clearCached();
      post({ type: 'datasetCache', entries: await listCached() });
      return;
    default: {
      const unknown: never = command;
      throw new Error(`unknown command ${JSON.stringify(unknown)}`);
    }
  }
}

self.onmessage = (message: MessageEvent<Command>) => {
  handle(message.data).catch((error: unknown) =>
    post({ type: 'error', message: (error as Error).message, command: message.data?.type }),
  );
};
