// Try it through the protocol: 'predict' and 'loadModel' validated, answered between a running
// job's steps, and every tensor freed.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { modelZip } from '../bridge/download';
import type { Command } from '../protocol';
import { loadedHarness, microJob } from '../testing/sessionHarness';
import { parseCommand } from './validateCommand';

const side = 16;
const image = () => ({
  pixels: new Uint8Array(side * side * 3).map((_, i) => (i * 31) % 256),
  side,
});
const predict = (requestId: number, target: 'job' | 'loaded' = 'job'): Command => ({
  type: 'predict',
  requestId,
  target,
  image: image(),
});

describe('predict and loadModel: validation', () => {
  it('takes a well-formed request', () => {
    expect(parseCommand(predict(1))).toMatchObject({ type: 'predict', requestId: 1 });
    const zip = Uint8Array.of(1);
    expect(parseCommand({ type: 'loadModel', name: 'm.zip', zip })).toMatchObject({
      name: 'm.zip',
    });
  });

  it('refuses a malformed one, saying what is wrong', () => {
    const refused = (message: Record<string, unknown>) => () => parseCommand(message);
    const good = predict(1) as unknown as Record<string, unknown>;
    expect(refused({ ...good, requestId: 1.5 })).toThrow(/requestId must be a whole number/);
    expect(refused({ ...good, target: 'teacher' })).toThrow(/target must be job or loaded/);
    expect(refused({ ...good, image: undefined })).toThrow(/image is missing/);
    expect(refused({ ...good, image: { ...image(), side: 0 } })).toThrow(/side must be 1 to/);
    expect(refused({ ...good, image: { pixels: new Uint8Array(10), side } })).toThrow(
      /side x side x 3 bytes/,
    );
    expect(refused({ ...good, image: { ...image(), alpha: true } })).toThrow(/unknown field alpha/);
    expect(refused({ ...good, extra: 1 })).toThrow(/unknown field extra/);
    expect(refused({ type: 'loadModel', name: 'm.zip', zip: new Uint8Array(0) })).toThrow(
      /bytes of an exported model/,
    );
    expect(refused({ type: 'loadModel', zip: Uint8Array.of(1) })).toThrow(/name/);
  });
});

describe('predict and loadModel in the session', () => {
  it('says there is nothing to ask before a job or a loaded model exists', async () => {
    const h = await loadedHarness();
    await h.send(predict(1));
    await h.send(predict(2, 'loaded'));
    await h.send({ type: 'loadModel', name: 'junk.zip', zip: Uint8Array.of(1, 2, 3) });
    const errors = h.of('error');
    expect(errors.map((e) => e.command)).toEqual(['predict', 'predict', 'loadModel']);
    expect(errors[0].message).toContain('no job is configured');
    expect(errors[1].message).toContain('no exported model is loaded');
    expect(errors[2].message).toMatch(/^junk.zip: this is not a zip file/);
    expect(h.of('prediction')).toEqual([]);
  });

  it('answers for the job and its dense baseline, freeing every tensor', async () => {
    const h = await loadedHarness();
    await h.send({ ...microJob, compareWithDense: true });
    await h.send({ type: 'step' });
    await h.send(predict(1)); // first use of the eval path makes its own kept tensors, if any
    const before = tf.memory().numTensors;
    await h.send(predict(7));
    expect(tf.memory().numTensors).toBe(before);
    const answer = h.of('prediction').at(-1)!;
    expect(answer).toMatchObject({ requestId: 7, target: 'job' });
    expect(answer.answeredBy).toBe('resnet8 low-rank at step 1');
    for (const guesses of [answer.runs.main, answer.runs.baseline!]) {
      expect(guesses).toHaveLength(3);
      const total = guesses.reduce((sum, g) => sum + g.probability, 0);
      expect(total).toBeGreaterThan(0);
      expect(total).toBeLessThanOrEqual(1 + 1e-6);
    }
    expect(h.of('error')).toEqual([]);
  });

  it('answers between the steps of a running job, which goes on undisturbed', async () => {
    const h = await loadedHarness();
    await h.send({
      ...microJob,
      config: { ...(microJob as { config: object }).config, epochs: 50 },
    });
    await h.send({ type: 'start' });
    await h.until(() => h.of('steps').length > 0);
    await h.send(predict(1));
    await h.send(predict(2));
    const stepsAtAnswer = h.of('steps').flatMap((e) => Array.from(e.series.step)).length;
    await h.until(
      () => h.of('steps').flatMap((e) => Array.from(e.series.step)).length > stepsAtAnswer + 2,
    );
    await h.send({ type: 'pause' });
    expect(h.of('prediction').map((p) => p.requestId)).toEqual([1, 2]);
    const steps = h.of('steps').flatMap((e) => Array.from(e.series.step));
    expect(steps).toEqual(steps.map((_, i) => i + 1));
    expect(h.of('state').map((s) => s.state)).toEqual(['ready', 'running', 'paused']);
    expect(h.of('error')).toEqual([]);
  });

  it('loads the exported zip back and answers with it, after the job is gone too', async () => {
    const h = await loadedHarness();
    await h.send(microJob);
    await h.send({ type: 'step' });
    await h.send({ type: 'export' });
    const exported = h.of('export')[0];
    const zip = modelZip({ ...exported, runLog: undefined });
    await h.send({ type: 'loadModel', name: 'resnet8.zip', zip });
    const [loaded] = h.of('modelLoaded');
    expect(loaded.labels).toEqual(exported.labels);
    expect(loaded.description).toBe('resnet8.zip (resnet8 low-rank, exported at step 1)');
    await h.send(predict(1));
    await h.send({ type: 'reset' });
    const before = tf.memory().numTensors;
    await h.send(predict(2, 'loaded'));
    expect(tf.memory().numTensors).toBe(before);
    const [fromJob, fromZip] = h.of('prediction');
    expect(fromZip).toMatchObject({ requestId: 2, target: 'loaded' });
    expect(fromZip.answeredBy).toBe(loaded.description);
    expect(fromZip.runs.main.map((g) => g.label)).toEqual(fromJob.runs.main.map((g) => g.label));
    fromZip.runs.main.forEach((g, i) =>
      expect(g.probability).toBeCloseTo(fromJob.runs.main[i].probability, 4),
    );
    expect(h.of('error')).toEqual([]);
  });
});
