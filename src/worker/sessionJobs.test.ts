import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../presets';
import { memoryAutosave } from './autosave';
import { harness, loadedHarness, microJob } from '../testing/sessionHarness';

describe('TrainingSession: saving, restoring and refusing jobs', () => {
  it('autosaves the run, and a new session resumes it exactly, charts and all', async () => {
    const autosave = memoryAutosave();
    const first = harness(autosave);
    await first.send({ type: 'init' });
    await first.send({
      type: 'loadDataset',
      loadId: 1,
      source: { kind: 'builtin', seed: 1, size: 16, trainCount: 64, testCount: 32 },
    });
    await first.send({
      ...microJob,
      config: { ...(microJob as { config: object }).config, epochs: 4 },
    });
    for (let i = 0; i < 5; i++) await first.send({ type: 'step' });
    await first.send({ type: 'resume' });
    await first.send({ type: 'pause' });
    const saved = await autosave.load();
    expect(saved!.summary.step).toBeGreaterThanOrEqual(5);
    expect(saved!.history.steps.main!.step.length).toBe(saved!.summary.step);
    await first.send({ type: 'step' });
    const expected = first.of('steps').at(-1)!.series.total[0];

    // a reload: a new session on the same storage offers the run and resumes it
    const second = harness(autosave);
    await second.send({ type: 'init' });
    expect(second.of('savedRun')[0].run).toMatchObject({ step: saved!.summary.step, epochs: 4 });
    await second.send({ type: 'resumeSaved', loadId: 2, lowerLearningRate: false });
    expect(second.of('datasetLoaded')[0].loadId).toBe(2);
    expect(second.of('configured')).toHaveLength(1);
    const history = second.of('history')[0].history;
    expect(Array.from(history.steps.main!.step)).toEqual(
      Array.from({ length: saved!.summary.step }, (_, i) => i + 1),
    );
    expect(history.events.some((e) => e.type === 'epoch')).toBe(true);
    expect(second.of('state').at(-1)!.state).toBe('paused');
    await second.send({ type: 'step' });
    const resumed = second.of('steps').at(-1)!.series;
    expect(resumed.step[0]).toBe(saved!.summary.step + 1);
    expect(resumed.total[0]).toBeCloseTo(expected, 5);
    await second.send({ type: 'discardSaved' });
    expect(second.of('savedRun').at(-1)!.run).toBeNull();
    expect(await autosave.load()).toBeNull();
  });

  it('a diverged run pauses at once, refuses to go on or export, and can go back', async () => {
    const h = await loadedHarness();
    await h.send({
      ...microJob,
      config: { ...(microJob as { config: object }).config, epochs: 50 },
    });
    for (let i = 0; i < 4; i++) await h.send({ type: 'step' });
    // Pause autosaves: the good state a divergence can go back to
    await h.send({ type: 'resume' });
    await h.send({ type: 'pause' });
    // now drive it into NaN
    await h.send({ type: 'setHyperparameters', values: { learningRate: 1, lambdaOrth: 10 } });
    for (let i = 0; i < 30 && h.of('diverged').length === 0; i++) await h.send({ type: 'step' });
    const diverged = h.of('diverged')[0];
    expect(diverged.run).toBe('main');
    expect(diverged.autosaveStep).toBeGreaterThanOrEqual(4);
    const errorsBefore = h.of('error').length;
    await h.send({ type: 'resume' });
    await h.send({ type: 'export' });
    const refusals = h
      .of('error')
      .slice(errorsBefore)
      .map((e) => e.message);
    expect(refusals).toHaveLength(2);
    refusals.forEach((m) => expect(m).toContain(`the run diverged at step ${diverged.step}`));
    await h.send({ type: 'resumeSaved', loadId: 3, lowerLearningRate: true });
    expect(h.of('hyperparameters').at(-1)!.config.learningRate).toBeCloseTo(0.5);
    await h.send({ type: 'step' });
    expect(Number.isFinite(h.of('steps').at(-1)!.series.total[0])).toBe(true);
  });

  it('a checkpoint of another network or dataset changes nothing and leaks nothing', async () => {
    const h = await loadedHarness();
    await h.send(microJob);
    await h.send({ type: 'step' });
    await h.send({ type: 'checkpoint' });
    const good = h.of('checkpoint')[0].checkpoint;
    const configured = h.of('configured').length;
    const tensors = tf.memory().numTensors;
    const otherNetwork = { ...good, config: { ...good.config, widthMultiplier: 0.5 } };
    const otherData = {
      ...good,
      dataset: { name: 'CIFAR-10', fingerprint: { train: '00000000', test: '00000000' } },
    };
    const badValues = { ...good, config: { ...good.config, batchSize: 0, learningRate: null } };
    for (const checkpoint of [otherNetwork, otherData, badValues])
      await h.send({ type: 'restore', checkpoint });
    const messages = h.of('error').map((e) => e.message);
    expect(messages[0]).toMatch(/is of another network/);
    expect(messages[1]).toMatch(/trained on CIFAR-10 .* not on the loaded Built-in shapes/);
    expect(messages[2]).toMatch(/batchSize must be between 1 and 1024, got 0/);
    expect(messages[2]).toMatch(/learningRate must be a finite number, got null/);
    expect(h.of('configured')).toHaveLength(configured);
    expect(tf.memory().numTensors).toBe(tensors);
    // the job is untouched and goes on
    await h.send({ type: 'step' });
    expect(h.of('steps').at(-1)!.series.step[0]).toBe(2);
  });

  it('refuses a job too large for the backend, with the size and what to lower', async () => {
    const h = await loadedHarness();
    await h.send({
      type: 'configure',
      config: {
        architecture: 'resnet18',
        widthMultiplier: 2,
        inputSize: 64,
        batchSize: 1024,
        epochs: 1000,
      },
      start: true,
    });
    const [refusal] = h.of('error');
    expect(refusal.command).toBe('configure');
    expect(refusal.message).toMatch(
      /this job needs about .* GB .*lower the batch size to \d+ or less/,
    );
    expect(h.of('configured')).toEqual([]);
    expect(h.of('state')).toEqual([]);
  });

  it('reports the build block by block, and a Reset cancels it at once, leaking nothing', async () => {
    const h = await loadedHarness();
    const tensors = tf.memory().numTensors;
    const building = h.send({
      type: 'configure',
      // full width: each block's SVDs take long enough for the Reset to land mid-build
      config: {
        ...PRESETS['micro-resnet20'],
        architecture: 'resnet56',
        widthMultiplier: 1,
        epochs: 1,
      },
      limits: { trainLimit: 64, testLimit: 32 },
    });
    await h.until(() => h.of('building').length >= 1);
    await h.send({ type: 'reset' });
    await building;
    expect(h.of('building').at(-1)!.total).toBe(28);
    expect(h.of('building').length).toBeLessThan(28);
    expect(h.of('error').at(-1)!.message).toMatch(/cancelled while its network was being built/);
    expect(h.of('configured')).toEqual([]);
    expect(h.of('state').at(-1)!.state).toBe('idle');
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
