// Turns a trainer's current network into downloadable model files and their report, and times
// the exported model against its dense equivalent on the active backend.
import { median } from '../stats';
import * as tf from '@tensorflow/tfjs';
import { exportLayersModel, saveToFiles, type SavedModelFiles } from '../model/export';
import { allVariables } from '../model/resnet';
import { sizeKept } from '../lowrank/accounting';
import type { ExportReport, InferenceTiming } from '../protocol';
import { modelLabels, type ModelLabels } from './modelLabels';
import type { Trainer } from './trainer';

/** Refuses a network whose weights hold NaN or infinite values: it would predict nothing. */
async function requireFiniteWeights(trainer: Trainer): Promise<void> {
  for (const variable of allVariables(trainer.model)) {
    const values = await variable.data();
    if (values.some((v) => !Number.isFinite(v)))
      throw new Error(
        `the network's weights hold NaN or infinite values (${variable.name.split('/').slice(1).join('/')}): the run diverged, so there is nothing to export. Go back to an earlier save or train again with a lower learning rate.`,
      );
  }
}

/** labels.json of the trainer's network: its classes, input and the normalisation inside it. */
export function jobLabels(trainer: Trainer, datasetName: string): ModelLabels {
  const { architecture, mode, inputSize } = trainer.config;
  return modelLabels({
    classNames: trainer.dataset.classNames,
    inputSize,
    imageSide: trainer.dataset.height,
    stats: trainer.stats,
    model: { architecture, mode, step: trainer.step, dataset: datasetName },
  });
}

export async function exportJob(
  trainer: Trainer,
  datasetName: string,
): Promise<{ report: ExportReport; files: SavedModelFiles; labels: ModelLabels }> {
  await requireFiniteWeights(trainer);
  const { layersModel, forms } = exportLayersModel(trainer.model, trainer.stats);
  const labels = jobLabels(trainer, datasetName);
  // in model.json too, so a model.json without its zip still says what it classifies
  layersModel.setUserDefinedMetadata(labels as unknown as object);
  const files = await saveToFiles(layersModel);
  const exportedParams = layersModel.countParams();
  layersModel.dispose();
  const { accuracy } = await trainer.evaluate();
  const accounting = trainer.accounting();
  const size = sizeKept(accounting);
  const spectra = await trainer.spectra();
  const formOf = new Map(forms.map((f) => [f.name, f.form]));
  const report: ExportReport = {
    dataset: datasetName,
    model: trainer.config.architecture,
    mode: trainer.config.mode,
    step: trainer.step,
    epoch: trainer.epoch,
    testAccuracy: accuracy,
    params: {
      dense: accounting.dense.params,
      factorised: accounting.factorised.params,
      deployable: accounting.deployable.params,
      exported: exportedParams,
    },
    macs: { dense: accounting.dense.macs, exported: accounting.deployable.macs },
    paramsKeptPercent: (100 * exportedParams) / accounting.dense.params,
    factorisedParamsKeptPercent: 100 * size.factorisedParamsKept,
    rankKeptPercent: 100 * size.rankKept,
    macsKeptPercent: 100 * size.macsKept,
    layers: spectra.map(({ name, rank, fullRank, breakEvenRank }, i) => ({
      name,
      rank,
      fullRank,
      breakEvenRank,
      form: formOf.get(name.replace(/\//g, '_')) ?? 'composed',
      params: {
        dense: accounting.layers[i].dense.params,
        factorised: accounting.layers[i].factorised.params,
        deployable: accounting.layers[i].deployable.params,
      },
    })),
    config: { ...trainer.config },
    exportedAt: new Date().toISOString(),
  };
  return { report, files, labels };
}

/**
 * Median time of `runs` predictions (each waited for) of each model, after two warm-up runs of
 * each: the models take turns, so neither is timed while the engine is still warming up or
 * during a slow spell of the machine the other escaped.
 */
async function medianPredictMs(
  models: tf.LayersModel[],
  input: tf.Tensor,
  runs: number,
): Promise<number[]> {
  const once = async (model: tf.LayersModel) => {
    const started = performance.now();
    const output = model.predict(input) as tf.Tensor;
    await output.data();
    output.dispose();
    return performance.now() - started;
  };
  for (let i = 0; i < 2; i++) for (const model of models) await once(model);
  const times = models.map((): number[] => []);
  for (let i = 0; i < runs; i++)
    for (const [m, model] of models.entries()) times[m].push(await once(model));
  return times.map(median);
}

export async function timeInference(
  trainer: Trainer,
  options: { batchSize?: number; runs?: number } = {},
): Promise<InferenceTiming> {
  const batchSize = options.batchSize ?? 32;
  const runs = options.runs ?? 5;
  const size = trainer.config.inputSize;
  const exported = exportLayersModel(trainer.model, trainer.stats).layersModel;
  const dense = exportLayersModel(trainer.model, trainer.stats, { mergeAll: true }).layersModel;
  const input = tf.randomUniform([batchSize, size, size, 3]);
  try {
    const [exportedMs, denseMs] = await medianPredictMs([exported, dense], input, runs);
    const accounting = trainer.accounting();
    return {
      backend: tf.getBackend(),
      batchSize,
      exportedMs,
      denseMs,
      speedup: denseMs / exportedMs,
      macsRatio: accounting.dense.macs / accounting.deployable.macs,
    };
  } finally {
    tf.dispose([input]);
    exported.dispose();
    dense.dispose();
  }
}
