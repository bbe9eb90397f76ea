// Try it in the worker: classifies one image with the job's network and its dense baseline, or
// with an exported model loaded back from its zip, which it keeps until another replaces it.
// The session runs these as commands, so between a running job's steps.
import type { Command, WorkerEvent } from '../protocol';
import { loadModelZip, type LoadedModel } from '../train/modelZip';
import { classifyWithLayersModel, classifyWithModel } from '../train/predict';
import type { Trainer } from '../train/trainer';
import { CommandError } from './validateCommand';

type Predict = Extract<Command, { type: 'predict' }>;
type Prediction = Extract<WorkerEvent, { type: 'prediction' }>;
type ModelLoaded = Extract<WorkerEvent, { type: 'modelLoaded' }>;

const modeName = (mode: string) => (mode === 'lowrank' ? 'low-rank' : mode);

/** The trainer's network's view of an image, prepared as its training images were. */
function classifyJob(trainer: Trainer, image: Predict['image']) {
  const { inputSize } = trainer.config;
  const { stats, dataset } = trainer;
  return classifyWithModel(trainer.model, image, {
    inputSize,
    stats,
    classNames: dataset.classNames,
  });
}

export class TryModels {
  private loaded: (LoadedModel & { name: string; description: string }) | null = null;

  /** The job's answer, and its baseline's beside it when one trains in lockstep. */
  async predictJob(
    command: Predict,
    trainer: Trainer,
    baseline: Trainer | null,
  ): Promise<Prediction> {
    const { architecture, mode } = trainer.config;
    return {
      type: 'prediction',
      requestId: command.requestId,
      target: 'job',
      answeredBy: `${architecture} ${modeName(mode)} at step ${trainer.step}`,
      runs: {
        main: await classifyJob(trainer, command.image),
        ...(baseline ? { baseline: await classifyJob(baseline, command.image) } : {}),
      },
    };
  }

  async predictLoaded(command: Predict): Promise<Prediction> {
    if (!this.loaded)
      throw new CommandError(
        'no exported model is loaded: load its .zip under Try it first',
        command.type,
      );
    const { model, labels, description } = this.loaded;
    return {
      type: 'prediction',
      requestId: command.requestId,
      target: 'loaded',
      answeredBy: description,
      runs: { main: await classifyWithLayersModel(model, command.image, labels) },
    };
  }

  /** Loads an exported model's zip in place of the one loaded before (freed once this one loads). */
  async load(name: string, zip: Uint8Array): Promise<ModelLoaded> {
    const loaded = await loadModelZip(zip).catch((error: Error) => {
      throw new CommandError(`${name}: ${error.message}`, 'loadModel');
    });
    const { architecture, mode, step } = loaded.labels.model;
    const description =
      architecture === 'unknown'
        ? name
        : `${name} (${architecture} ${modeName(mode)}, exported at step ${step})`;
    this.dispose();
    this.loaded = { ...loaded, name, description };
    return { type: 'modelLoaded', name, labels: loaded.labels, description };
  }

  dispose(): void {
    this.loaded?.model.dispose();
    this.loaded = null;
  }
}
