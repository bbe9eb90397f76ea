import { strFromU8, unzipSync } from 'fflate';
import { beforeEach, describe, expect, it } from 'vitest';
import { targetSides } from '../components/tryit/classifyImage';
import type { Command, DatasetSummary, WorkerEvent } from '../protocol';
import { useStudio } from '../store/store';
import { modelLabels } from '../train/modelLabels';
import { createBridge } from './bridge';

const labels = modelLabels({
  classNames: ['cat', 'dog'],
  inputSize: 16,
  imageSide: 24,
  stats: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
  model: { architecture: 'resnet8', mode: 'lowrank', step: 3, dataset: 'pets' },
});

function harness() {
  const sent: Command[] = [];
  const downloads: { name: string; bytes: Uint8Array }[] = [];
  const bridge = createBridge(useStudio, {
    send: (command) => void sent.push(command),
    storage: () => undefined,
    download: (name, bytes) => void downloads.push({ name, bytes }),
  });
  const predictions = () =>
    sent.filter((c): c is Extract<Command, { type: 'predict' }> => c.type === 'predict');
  return { bridge, sent, downloads, predictions, emit: bridge.onEvent };
}

const image = (side: number) => ({ pixels: new Uint8Array(side * side * 3), side });
const answer = (requestId: number, target: 'job' | 'loaded' = 'job'): WorkerEvent => ({
  type: 'prediction',
  requestId,
  target,
  answeredBy: 'resnet8 low-rank at step 3',
  runs: { main: [{ label: 1, name: 'dog', probability: 0.9 }] },
});

beforeEach(() => useStudio.setState(useStudio.getInitialState(), true));

describe('Try it on the page', () => {
  it('asks the job and the loaded model at the side each was trained at', () => {
    const none = { runState: 'idle', dataset: null, loadedModel: null } as const;
    expect(targetSides(none)).toEqual({});
    const dataset = { imageSize: [32, 32, 3] } as DatasetSummary;
    const loadedModel = { name: 'm.zip', labels, description: 'm.zip' };
    expect(targetSides({ ...none, runState: 'running', dataset, loadedModel })).toEqual({
      job: 32,
      loaded: 24,
    });
    // a dataset without a job has no model to ask
    expect(targetSides({ ...none, dataset })).toEqual({});
  });

  it('sends one request per model, none to a model still answering, and drops stale answers', () => {
    const h = harness();
    h.bridge.actions.predict({ job: image(32), loaded: image(24) });
    h.bridge.actions.predict({ job: image(32), loaded: image(24) });
    expect(h.predictions().map((c) => [c.target, c.requestId, c.image.side])).toEqual([
      ['job', 1, 32],
      ['loaded', 2, 24],
    ]);
    expect(useStudio.getState().tryImage?.side).toBe(32);
    h.emit(answer(1));
    expect(useStudio.getState().tryAnswers.job?.runs.main[0].name).toBe('dog');
    h.bridge.actions.predict({ job: image(32) });
    h.emit(answer(1)); // an answer to an earlier request is not the latest
    expect(useStudio.getState().tryPending).toEqual({ loaded: 2, job: 3 });
  });

  it('tells a failed request or load in the panel, not as the studio’s error', () => {
    const h = harness();
    h.bridge.actions.predict({ job: image(32) });
    h.emit({ type: 'error', message: 'no job is configured', command: 'predict' });
    const state = useStudio.getState();
    expect(state.tryError).toBe('no job is configured');
    expect(state.tryPending).toEqual({});
    expect(state.error).toBeNull();
  });

  it('keeps a loaded model, forgetting the last one’s answer', () => {
    const h = harness();
    h.bridge.actions.predict({ loaded: image(24) });
    h.emit(answer(1, 'loaded'));
    h.emit({ type: 'modelLoaded', name: 'm.zip', labels, description: 'm.zip (resnet8)' });
    const state = useStudio.getState();
    expect(state.loadedModel).toMatchObject({ name: 'm.zip', description: 'm.zip (resnet8)' });
    expect(state.tryAnswers.loaded).toBeUndefined();
  });

  it('puts labels.json in the downloaded zip', () => {
    const h = harness();
    const report = { model: 'resnet8', mode: 'lowrank', step: 3 } as never;
    h.emit({
      type: 'export',
      report,
      modelJson: '{}',
      weights: new ArrayBuffer(4),
      labels,
      history: { steps: {}, events: [], spectra: null },
    });
    const files = unzipSync(h.downloads[0].bytes);
    expect(Object.keys(files).sort()).toEqual([
      'labels.json',
      'model.json',
      'model.weights.bin',
      'report.json',
    ]);
    expect(JSON.parse(strFromU8(files['labels.json']))).toEqual(labels);
  });
});
