import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_CONFIG } from '../config';
import type { Command, DatasetSummary, WorkerEvent } from '../protocol';
import { useStudio } from '../store/store';
import { stepsFrom } from '../testing/stepSeries';
import { createBridge } from './bridge';
import { CHART_REDRAW_MS } from './events';

/** A bridge on the studio's store, with a worker that records what it is sent. */
function harness() {
  const sent: Command[] = [];
  const downloads: string[] = [];
  const items = new Map<string, string>();
  const storage = {
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    removeItem: (key: string) => void items.delete(key),
  } as Storage;
  const bridge = createBridge(useStudio, {
    send: (command) => void sent.push(command),
    storage: () => storage,
    download: (name) => void downloads.push(name),
  });
  const sentOf = <T extends Command['type']>(type: T) =>
    sent.filter((c): c is Extract<Command, { type: T }> => c.type === type);
  return { bridge, sent, sentOf, downloads, storage, emit: bridge.onEvent };
}

const summary = (name: string): DatasetSummary => ({
  kind: 'cifar10',
  name,
  classNames: ['a', 'b'],
  imageSize: [32, 32, 3],
  train: { count: 10, histogram: [5, 5] },
  test: { count: 4, histogram: [2, 2] },
  fingerprint: { train: 'f1', test: 'f2' },
  fromCache: true,
});

const ready: WorkerEvent = {
  type: 'ready',
  backend: 'wasm',
  skipped: [],
  tfVersion: '4.22.0',
  gradientCheck: 1,
  fingerprint: 'machine',
  fromMemory: false,
};

beforeEach(() => useStudio.setState(useStudio.getInitialState(), true));
afterEach(() => vi.useRealTimers());

describe('the bridge', () => {
  it('follows only the newest dataset load, and remembers a cached set for the next visit', () => {
    const h = harness();
    h.bridge.actions.loadDataset({ kind: 'cached', key: 'k1', name: 'first' });
    h.bridge.actions.loadDataset({ kind: 'cached', key: 'k2', name: 'second' });
    const [first, second] = h.sentOf('loadDataset');
    expect(second.loadId).toBeGreaterThan(first.loadId);
    h.emit({
      type: 'datasetProgress',
      loadId: first.loadId,
      phase: 'cache',
      loadedBytes: 1,
      totalBytes: 2,
    });
    expect(useStudio.getState().datasetLoading?.loadedBytes).toBe(0);
    h.emit({
      type: 'datasetLoaded',
      loadId: first.loadId,
      summary: summary('first'),
      source: { kind: 'cached', key: 'k1', name: 'first' },
    });
    expect(useStudio.getState().dataset).toBeNull();
    h.emit({
      type: 'datasetLoaded',
      loadId: second.loadId,
      summary: summary('second'),
      source: { kind: 'cached', key: 'k2', name: 'second' },
    });
    expect(useStudio.getState().dataset?.name).toBe('second');
    expect(useStudio.getState().datasetLoading).toBeNull();
    expect(h.storage.getItem('lowrank-studio.dataset')).toContain('k2');
  });

  it("opens on last visit's dataset, and on the built-in set with a warning when it is gone", () => {
    const h = harness();
    h.storage.setItem(
      'lowrank-studio.dataset',
      JSON.stringify({ kind: 'cached', key: 'gone', name: 'CIFAR-10' }),
    );
    h.emit(ready);
    const [cached] = h.sentOf('loadDataset');
    expect(cached.source).toEqual({ kind: 'cached', key: 'gone', name: 'CIFAR-10' });
    h.emit({
      type: 'error',
      message: 'not in the cache',
      command: 'loadDataset',
      loadId: cached.loadId,
    });
    expect(useStudio.getState().warning).toBe('not in the cache');
    expect(useStudio.getState().error).toBeNull();
    expect(h.sentOf('loadDataset')[1].source.kind).toBe('builtin');
  });

  it('keeps a dataset the user chose before the backend was ready', () => {
    const h = harness();
    h.bridge.actions.loadDataset({ kind: 'cached', key: 'mine', name: 'camera' });
    h.emit(ready);
    expect(h.sentOf('loadDataset').map((command) => command.source.kind)).toEqual(['cached']);
  });

  it('sends one Start however many clicks, until the job is configured', () => {
    const h = harness();
    h.bridge.actions.start();
    h.bridge.actions.start();
    expect(h.sentOf('configure')).toHaveLength(1);
    h.emit({
      type: 'configured',
      config: DEFAULT_CONFIG,
      stepsPerEpoch: 5,
      layers: [],
      params: { dense: 1, factorised: 1, deployable: 1 },
      macs: { dense: 1, factorised: 1, deployable: 1 },
    });
    expect(useStudio.getState().stepsPerEpoch).toBe(5);
    h.bridge.actions.start();
    expect(h.sentOf('configure')).toHaveLength(2);
  });

  it('draws step metrics at most once a redraw interval, and before any other event', () => {
    vi.useFakeTimers();
    const h = harness();
    h.emit({ type: 'steps', run: 'main', series: stepsFrom(1, 3) });
    h.emit({ type: 'steps', run: 'main', series: stepsFrom(4, 2) });
    expect(useStudio.getState().steps).toHaveLength(0);
    vi.advanceTimersByTime(CHART_REDRAW_MS);
    expect(useStudio.getState().steps.map((p) => p.step)).toEqual([1, 2, 3, 4, 5]);
    h.emit({ type: 'steps', run: 'main', series: stepsFrom(6, 1) });
    h.emit({ type: 'state', state: 'paused', step: 6, epoch: 0 });
    expect(useStudio.getState().steps.at(-1)?.step).toBe(6);
    expect(useStudio.getState().runState).toBe('paused');
  });

  it('sends a live knob to the running job and keeps a frozen one for the next Start', () => {
    const h = harness();
    h.bridge.actions.setKnob('lambdaRank', 0.3);
    expect(h.sentOf('setHyperparameters')).toHaveLength(0);
    h.emit({ type: 'state', state: 'running', step: 1, epoch: 0 });
    h.bridge.actions.setKnob('lambdaRank', 0.2);
    h.bridge.actions.setKnob('architecture', 'resnet8');
    expect(h.sentOf('setHyperparameters').map((c) => c.values)).toEqual([{ lambdaRank: 0.2 }]);
    expect(useStudio.getState().config.architecture).toBe('resnet8');
  });

  it("takes a restored job's settings as the page's, and not after the restore failed", () => {
    const h = harness();
    h.bridge.actions.resumeSaved();
    h.emit({ type: 'error', message: 'no saved run', command: 'resumeSaved' });
    const configured = (config: typeof DEFAULT_CONFIG): WorkerEvent => ({
      type: 'configured',
      config,
      stepsPerEpoch: 3,
      layers: [],
      params: { dense: 1, factorised: 1, deployable: 1 },
      macs: { dense: 1, factorised: 1, deployable: 1 },
    });
    h.emit(configured({ ...DEFAULT_CONFIG, epochs: 7 }));
    expect(useStudio.getState().config.epochs).toBe(DEFAULT_CONFIG.epochs);
    h.bridge.actions.resumeSaved();
    h.emit(configured({ ...DEFAULT_CONFIG, epochs: 9 }));
    expect(useStudio.getState().config.epochs).toBe(9);
  });
});
