// Worker entry: receives Commands, answers with WorkerEvents. Thin on purpose; the work lives in
// the modules it calls.
import '@tensorflow/tfjs-backend-webgpu';
import * as tf from '@tensorflow/tfjs';
import type { Command, WorkerEvent } from '../protocol';
import { convGradientCheck, DEFAULT_ORDER, selectBackend } from './backends';

const post = (event: WorkerEvent) => self.postMessage(event);

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
      return;
    }
    default: {
      const unknown: never = command.type;
      throw new Error(`unknown command ${String(unknown)}`);
    }
  }
}

self.onmessage = (message: MessageEvent<Command>) => {
  handle(message.data).catch((error: unknown) =>
    post({ type: 'error', message: (error as Error).message, command: message.data?.type }),
  );
};
