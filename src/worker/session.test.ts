import { describe, expect, it } from 'vitest';
import { generateBuiltin } from '../data/builtin';
import { describeDataset } from '../data/dataset';
import { PRESETS } from '../presets';
import { decodeRunLog, studioRunLog } from '../runLog';
import { FLUSH_INTERVAL_MS, SLICE_INTERVAL_MS } from './runLoop';
import { harness, loadedHarness, microJob } from '../testing/sessionHarness';

describe('TrainingSession through the protocol', () => {
  it('runs a full micro job: state, batched step, epoch, spectra and prune events', async () => {
    const h = await loadedHarness();
    expect(h.of('ready')[0].backend).toBe('cpu');
    expect(h.of('datasetLoaded')[0].summary.train.count).toBe(64);
    await h.send(microJob);
    expect(h.of('configured')[0].stepsPerEpoch).toBe(4);
    await h.send({ type: 'start' });
    await h.until(() => h.of('state').some((s) => s.state === 'finished'));
    expect(h.of('state').map((s) => s.state)).toEqual(['ready', 'running', 'finished']);
    const steps = h.of('steps').flatMap((e) => Array.from(e.series.step));
    expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const epochs = h.of('epoch').map((e) => e.summary);
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2]);
    epochs.forEach((e) => expect(e.testAccuracy).toBeGreaterThanOrEqual(0));
    expect(h.of('spectra').length).toBeGreaterThanOrEqual(3);
    expect(h.of('pruned').length).toBeGreaterThan(0);
    // typed arrays travel as transfers
    h.events.filter((e) => e.event.type === 'steps').forEach((e) => expect(e.transferred).toBe(10));
    expect(h.of('error')).toEqual([]);
    // the run library gets the whole run once, as it ends
    const ended = h.of('runEnded');
    expect(ended).toHaveLength(1);
    expect(ended[0].ended).toBe('finished');
    expect(Array.from(ended[0].history.steps.main!.step)).toEqual(steps);
    expect(ended[0].history.events.filter((e) => e.type === 'epoch')).toHaveLength(2);
    await h.send({ type: 'reset' });
    expect(h.of('runEnded')).toHaveLength(1);
  });

  it('batches step metrics to about 10 messages a second', async () => {
    const h = await loadedHarness();
    await h.send({
      type: 'configure',
      config: { ...PRESETS.micro, widthMultiplier: 0.125, inputSize: 8, epochs: 3, batchSize: 2 },
      limits: { trainLimit: 64, testLimit: 8 },
    });
    await h.send({ type: 'start' });
    await h.until(() => h.of('state').some((s) => s.state === 'finished'));
    const messages = h.events.filter((e) => e.event.type === 'steps');
    const started = h.events.find((e) => e.event.type === 'state' && e.event.state === 'running')!;
    const elapsedMs = messages.at(-1)!.at - started.at;
    const steps = h.of('steps').reduce((n, e) => n + e.series.step.length, 0);
    expect(steps).toBe(96);
    // one message per 100 ms at most, plus one at each of the 3 epoch ends
    expect(messages.length).toBeLessThanOrEqual(Math.ceil(elapsedMs / FLUSH_INTERVAL_MS) + 3);
    expect(messages.length).toBeLessThan(steps);
  });

  it('compares with a dense baseline trained in lockstep with the same recipe', async () => {
    const h = await loadedHarness();
    await h.send({ ...microJob, compareWithDense: true });
    await h.send({ type: 'start' });
    await h.until(() => h.of('state').some((s) => s.state === 'finished'));
    const stepsOf = (run: string) =>
      h
        .of('steps')
        .filter((e) => e.run === run)
        .flatMap((e) => Array.from(e.series.step));
    expect(stepsOf('main')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(stepsOf('baseline')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const baselineEpochs = h.of('epoch').filter((e) => e.run === 'baseline');
    expect(baselineEpochs.map((e) => e.summary.epoch)).toEqual([1, 2]);
    expect(baselineEpochs[1].summary.size.paramsKept).toBe(1);
    const baselineOrth = h
      .of('steps')
      .filter((e) => e.run === 'baseline')
      .flatMap((e) => Array.from(e.series.orth));
    expect(baselineOrth.every((v) => v === 0)).toBe(true);
  });

  it('pause stops the steps, resume continues, reset clears', async () => {
    const h = await loadedHarness();
    await h.send({
      ...microJob,
      config: { ...(microJob as { config: object }).config, epochs: 50 },
    });
    await h.send({ type: 'start' });
    await h.until(() => h.of('steps').length > 0);
    await h.send({ type: 'pause' });
    const stepsAtPause = h.of('steps').flatMap((e) => Array.from(e.series.step)).length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.of('steps').flatMap((e) => Array.from(e.series.step)).length).toBe(stepsAtPause);
    await h.send({ type: 'step' });
    expect(h.of('steps').at(-1)!.series.step.at(-1)).toBe(stepsAtPause + 1);
    await h.send({ type: 'resume' });
    await h.until(
      () => h.of('steps').flatMap((e) => Array.from(e.series.step)).length > stepsAtPause + 2,
    );
    await h.send({ type: 'reset' });
    expect(h.of('state').at(-1)!.state).toBe('idle');
    // a run reset before its end is kept as far as it went
    const ended = h.of('runEnded');
    expect(ended.map((e) => e.ended)).toEqual(['stopped']);
    expect(ended[0].history.steps.main!.step.length).toBeGreaterThan(stepsAtPause + 2);
    const after = h.events.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(h.events.slice(after).filter((e) => e.event.type === 'steps')).toEqual([]);
  });

  it('live hyper-parameters are acknowledged and used by the next step', async () => {
    const h = await loadedHarness();
    await h.send(microJob);
    await h.send({ type: 'step' });
    await h.send({
      type: 'setHyperparameters',
      values: { lambdaRank: 0.25, rankRampFraction: 0, pruneThreshold: 0.05 },
    });
    expect(h.of('hyperparameters')[0].config.lambdaRank).toBe(0.25);
    await h.send({ type: 'step' });
    expect(h.of('steps').at(-1)!.series.lambdaRank[0]).toBeCloseTo(0.25);
    await h.send({ type: 'setHyperparameters', values: { maxRank: 2 } });
    const pruned = h.of('pruned').at(-1)!;
    expect(pruned.events.every((e) => e.newRank <= 2)).toBe(true);
    expect(
      h
        .of('spectra')
        .at(-1)!
        .layers.every((l) => l.rank <= 2),
    ).toBe(true);
  });

  it('refuses bad commands with an error event and leaves the job unchanged', async () => {
    const h = await loadedHarness();
    await h.send({ type: 'start' });
    await h.send(microJob);
    await h.send({ type: 'setHyperparameters', values: { lambdaRank: Number.NaN } });
    await h.send({ type: 'setHyperparameters', values: { learningRate: 5 } });
    await h.send({ type: 'setHyperparameters', values: { architecture: 'resnet56' } });
    await h.send({ type: 'setHyperparameters', values: { lambdaRank: 0.1 }, extra: 1 });
    await h.send({ type: 'launch' });
    await h.send({ type: 'resume' });
    const errors = h.of('error');
    expect(errors.map((e) => e.command)).toEqual([
      'start',
      'setHyperparameters',
      'setHyperparameters',
      'setHyperparameters',
      'setHyperparameters',
      undefined,
      'resume',
    ]);
    expect(errors[0].message).toContain("'start' is not possible now: no job is configured");
    expect(errors[1].message).toContain('lambdaRank must be a finite number');
    expect(errors[2].message).toContain('learningRate must be between');
    expect(errors[3].message).toContain('architecture cannot change while a job exists');
    expect(errors[4].message).toContain('unknown field extra');
    expect(errors[5].message).toContain("unknown command 'launch'");
    expect(errors[6].message).toContain('the job is ready');
    await h.send({ type: 'step' });
    expect(h.of('steps').at(-1)!.series.lambdaRank[0]).toBeLessThan(0.1);
  });

  it('refuses an image-folder source it cannot read, and ignores a cancel of no load', async () => {
    const h = harness();
    await h.send({ type: 'init' });
    const base = { kind: 'imageFolder', name: 'pets', testFraction: 0.2, side: 32 };
    await h.send({ type: 'loadDataset', loadId: 1, source: base });
    await h.send({
      type: 'loadDataset',
      loadId: 2,
      source: { ...base, files: [], testFraction: 1 },
    });
    await h.send({
      type: 'loadDataset',
      loadId: 3,
      source: { ...base, archive: {}, side: 1000 },
    });
    await h.send({ type: 'cancelDatasetLoad', loadId: 7 });
    expect(h.of('error').map((e) => e.message)).toEqual([
      'an image folder source needs an archive or a list of files',
      'an image folder source needs an archive or a list of files',
      'an image folder source needs an image side of 8 to 256 pixels, got 1000',
    ]);
    expect(h.of('datasetLoaded')).toEqual([]);
  });

  it('takes a built-in set prepared beside it, and refuses one that is not what its source says', async () => {
    const source = { kind: 'builtin', seed: 3, size: 16, trainCount: 40, testCount: 20 } as const;
    const h = harness();
    await h.send({ type: 'init' });
    // a prepared set of another shape is refused, and nothing is loaded
    const wrong = generateBuiltin({ ...source, trainCount: 30 });
    await h.send({ type: 'loadDataset', loadId: 1, source, prepared: wrong });
    expect(h.of('error')[0]).toMatchObject({ command: 'loadDataset' });
    expect(h.of('error')[0].message).toContain(
      'the prepared built-in set has a train split of another shape',
    );
    await h.send({
      type: 'loadDataset',
      loadId: 2,
      source: { kind: 'url', url: 'x', cifar100Labels: 'fine' },
      prepared: generateBuiltin(source),
    });
    expect(h.of('error')[1].message).toContain('comes only with a builtin source');
    expect(h.of('datasetLoaded')).toEqual([]);

    const prepared = generateBuiltin(source);
    prepared.train.labels[0] = 9; // not what the worker would generate: proves it was taken as is
    await h.send({ type: 'loadDataset', loadId: 3, source, prepared });
    const [loaded] = h.of('datasetLoaded');
    expect(loaded).toMatchObject({ loadId: 3, source });
    expect(loaded.summary.train.count).toBe(40);
    expect(loaded.summary.fingerprint).toEqual(describeDataset(prepared).fingerprint);
    expect(loaded.summary.fingerprint).not.toEqual(
      describeDataset(generateBuiltin(source)).fingerprint,
    );
    expect(h.of('datasetProgress').filter((e) => e.loadId === 3)).toEqual([]);
    await h.send(microJob);
    expect(h.of('configured')).toHaveLength(1);
  });

  it('checkpoint and restore continue the run; export reports ranks and params', async () => {
    const h = await loadedHarness();
    await h.send(microJob);
    await h.send({ type: 'step' });
    await h.send({ type: 'checkpoint' });
    const { checkpoint } = h.of('checkpoint')[0];
    expect(checkpoint.step).toBe(1);
    await h.send({ type: 'step' });
    const expected = h.of('steps').at(-1)!.series.total[0];
    await h.send({ type: 'restore', checkpoint });
    expect(h.of('state').at(-1)!.state).toBe('paused');
    await h.send({ type: 'step' });
    const replayed = h.of('steps').at(-1)!.series;
    expect(replayed.step[0]).toBe(2);
    expect(replayed.total[0]).toBeCloseTo(expected, 5);
    await h.send({ type: 'export' });
    const { report } = h.of('export')[0];
    expect(report.layers.length).toBe(7);
    expect(report.paramsKeptPercent).toBeGreaterThan(0);
    expect(report.testAccuracy).toBeGreaterThanOrEqual(0);
    // the history carries its job, so the page can write a run log the studio opens again
    const { history } = h.of('export')[0];
    const text = studioRunLog(history, { producer: 'test', dataset: { name: 'shapes' } });
    const log = decodeRunLog(text!);
    expect(log.header.layers.map((l) => l.name)).toEqual(report.layers.map((l) => l.name));
    expect(log.header.stepsPerEpoch).toBe(h.of('configured').at(-1)!.stepsPerEpoch);
    expect(Array.from(log.history.steps.main!.step)).toEqual([2]);
  });

  it('evaluates a fixed test slice every few seconds while a job runs', async () => {
    const h = await loadedHarness();
    await h.send({
      ...microJob,
      config: { ...(microJob as { config: object }).config, epochs: 500 },
    });
    await h.send({ type: 'start' });
    await h.until(() => h.of('evaluation').length >= 2, 30_000);
    await h.send({ type: 'pause' });
    const [first, second] = h.of('evaluation');
    expect(first).toMatchObject({ run: 'main', scope: 'slice', count: 32 });
    expect(second.step).toBeGreaterThan(first.step);
    expect(first.testAccuracy).toBeGreaterThanOrEqual(0);
    // a slice point at most every SLICE_INTERVAL_MS
    const at = h.events.filter((e) => e.event.type === 'evaluation').map((e) => e.at);
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(SLICE_INTERVAL_MS - 50);
    await h.send({ type: 'evaluate' });
    expect(h.of('evaluation').at(-1)).toMatchObject({ scope: 'full', count: 32 });
    await h.send({ type: 'reset' });
  });

  it('takes a remembered backend, and will not choose again while a job exists', async () => {
    const h = harness();
    await h.send({ type: 'init', remembered: { backend: 'cpu', fingerprint: 'node test' } });
    expect(h.of('ready')[0]).toMatchObject({ backend: 'cpu', fromMemory: true, skipped: [] });
    expect(h.of('backendProgress').map((e) => e.message)).toEqual(['trying cpu']);
    await h.send({ type: 'init', remembered: { backend: 'cuda', fingerprint: 'x' } });
    expect(h.of('error').at(-1)!.message).toContain('remembered must be { backend, fingerprint }');
    await h.send({
      type: 'loadDataset',
      loadId: 1,
      source: { kind: 'builtin', seed: 1, size: 16, trainCount: 64, testCount: 32 },
    });
    await h.send(microJob);
    await h.send({ type: 'init' });
    expect(h.of('error').at(-1)!.message).toContain('reset the job before choosing the backend');
  });

  it('tags a failed load with its id and says nothing more about it', async () => {
    const h = harness();
    await h.send({ type: 'init' });
    await h.send({
      type: 'loadDataset',
      loadId: 7,
      source: { kind: 'url', url: 'http://127.0.0.1:9/nothing.tar.gz', cifar100Labels: 'fine' },
    });
    const failure = h.of('error').at(-1)!;
    expect(failure).toMatchObject({ command: 'loadDataset', loadId: 7 });
    const after = h.events.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(h.events.slice(after).filter((e) => e.event.type === 'datasetProgress')).toEqual([]);
    expect(h.of('datasetLoaded')).toEqual([]);
  });
});
