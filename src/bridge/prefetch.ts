// The built-in set, generated in a worker of its own while the training worker starts (it parses
// its script and starts its backend first): the set a first or repeat visit opens on is then
// ready when the backend is. Null where that worker cannot run: the training worker generates it.
import type { BuiltinOptions } from '../data/builtin';
import type { ImageDataset } from '../data/dataset';

export function prefetchBuiltin(options: BuiltinOptions): Promise<ImageDataset | null> {
  return new Promise((resolve) => {
    let worker: Worker;
    try {
      worker = new Worker(new URL('../data/builtin.worker.ts', import.meta.url), {
        type: 'module',
      });
    } catch {
      resolve(null);
      return;
    }
    const finish = (dataset: ImageDataset | null) => {
      worker.terminate();
      resolve(dataset);
    };
    worker.onmessage = (message: MessageEvent<ImageDataset | null>) => finish(message.data);
    worker.onerror = () => finish(null);
    worker.postMessage(options);
  });
}
