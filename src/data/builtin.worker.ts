// Generates the built-in set in a worker of its own, started with the training worker: the two
// start-ups share the cores, and the training worker gets the set ready-made (bridge/prefetch.ts).
import { generateBuiltin, type BuiltinOptions } from './builtin';
import { datasetBuffers } from './dataset';

self.onmessage = ({ data }: MessageEvent<BuiltinOptions>) => {
  try {
    const dataset = generateBuiltin(data);
    self.postMessage(dataset, { transfer: datasetBuffers(dataset) });
  } catch {
    // the training worker generates it instead
    self.postMessage(null);
  }
};
