// A TrainingSession on the cpu backend in Node, driven through the protocol as the page drives it.
import * as tf from '@tensorflow/tfjs';
import { PRESETS } from '../presets';
import type { Command, WorkerEvent } from '../protocol';
import { memoryAutosave, type AutosaveStore } from '../worker/autosave';
import { loadDataset } from '../worker/datasetLoader';
import { TrainingSession } from '../worker/session';

export type EventOf<T extends WorkerEvent['type']> = Extract<WorkerEvent, { type: T }>;

/** A session on the cpu backend with a port that records every event and its transfer list. */
export function harness(autosave: AutosaveStore = memoryAutosave()) {
  const events: { event: WorkerEvent; at: number; transferred: number }[] = [];
  const session = new TrainingSession(
    {
      post: (event, transfer = []) =>
        events.push({ event, at: performance.now(), transferred: transfer.length }),
    },
    {
      selectBackend: async (_preferred, remembered, onProgress) => {
        onProgress('trying cpu');
        return {
          backend: 'cpu',
          skipped: remembered ? [] : [{ backend: 'webgpu', reason: 'no adapter in Node' }],
          fingerprint: 'node test',
          fromMemory: remembered?.fingerprint === 'node test',
        };
      },
      tfVersion: tf.version.tfjs,
      gradientCheck: async () => 0,
      loadDataset,
      listCache: async () => [],
      clearCache: async () => {},
      autosave,
      memory: () => ({
        tensors: tf.memory().numTensors,
        bytes: tf.memory().numBytes,
        heapBytes: null,
      }),
    },
  );
  const of = <T extends WorkerEvent['type']>(type: T) =>
    events.filter((e) => e.event.type === type).map((e) => e.event as EventOf<T>);
  const send = (command: Command | Record<string, unknown>) => session.receive(command);
  const until = async (predicate: () => boolean, timeoutMs = 60_000) => {
    const started = Date.now();
    while (!predicate()) {
      if (Date.now() - started > timeoutMs) throw new Error('timed out waiting for worker events');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  return { session, events, of, send, until };
}

export const microJob: Command = {
  type: 'configure',
  config: {
    ...PRESETS.micro,
    widthMultiplier: 0.25,
    epochs: 2,
    batchSize: 16,
    pruneRule: 'energy',
    energyEpsilon: 0.1,
    pruneLossDrop: 0,
  },
  limits: { trainLimit: 64, testLimit: 32 },
};

export async function loadedHarness() {
  const h = harness();
  await h.send({ type: 'init' });
  await h.send({
    type: 'loadDataset',
    loadId: 1,
    source: { kind: 'builtin', seed: 1, size: 16, trainCount: 64, testCount: 32 },
  });
  return h;
}
