// `npm run experiment -- --data <archive|dir|builtin> --model <preset|architecture> --mode
// lowrank|dense|both [--epochs N] [--train-limit K] [--test-limit K] [--seed S] [--out dir]
// [--<any knob> value]`: trains in Node with the product's trainer and writes report.json and
// report.md. Every knob of src/config.ts is a flag (camelCase or kebab-case).
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainConfig } from '../src/config';
import { generateBuiltin } from '../src/data/builtin';
import { loadCifar } from '../src/data/cifar';
import type { ImageDataset } from '../src/data/dataset';
import { exportJob, timeInference } from '../src/train/exporter';
import { Trainer, type EpochReport } from '../src/train/trainer';
import { USAGE, parseArgs, baseConfig, type Options } from './lib/experimentArgs';
import { sourcesFromPath } from './lib/files';
import { startNodeBackend } from './lib/nodeBackend';
import { markdownReport, type ExperimentReport, type RunReport } from './lib/report';

function progressLine(
  config: TrainConfig,
  epoch: number,
  stepInEpoch: number,
  stepsPerEpoch: number,
  loss: number,
  accuracy: number,
): string {
  const width = 24;
  const done = Math.round((width * stepInEpoch) / stepsPerEpoch);
  const bar =
    '='.repeat(done) + (done < width ? '>' : '') + ' '.repeat(Math.max(0, width - done - 1));
  return `\r  ${config.mode.padEnd(7)} epoch ${epoch + 1}/${config.epochs} [${bar}] ${stepInEpoch}/${stepsPerEpoch}  loss ${loss.toFixed(3)}  train acc ${(100 * accuracy).toFixed(1)}%   `;
}

async function exportModel(
  trainer: Trainer,
  datasetName: string,
  directory: string,
): Promise<void> {
  const { report, files } = await exportJob(trainer, datasetName);
  const timing = await timeInference(trainer);
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, 'model.json'), files.modelJson);
  writeFileSync(join(directory, 'model.weights.bin'), new Uint8Array(files.weights));
  writeFileSync(
    join(directory, 'report.json'),
    JSON.stringify({ ...report, inferenceTiming: timing }, null, 2),
  );
  console.error(
    `  exported ${report.mode} model to ${directory} (${report.params.exported} params, ${report.paramsKeptPercent.toFixed(1)}% of dense; inference ${timing.speedup.toFixed(2)}x dense on ${timing.backend})`,
  );
}

async function runOne(
  dataset: ImageDataset,
  config: TrainConfig,
  options: Options,
): Promise<RunReport> {
  const trainer = new Trainer(dataset, config, {
    trainLimit: options.trainLimit,
    testLimit: options.testLimit,
  });
  const initialRanks = new Map(trainer.layers.map((l) => [l.name, l.s.shape[0]]));
  const history: RunReport['history'] = [];
  const epochSeconds: number[] = [];
  let last: EpochReport | null = null;
  for (let epoch = 0; epoch < config.epochs; epoch++) {
    const started = performance.now();
    let lossSum = 0;
    let accuracySum = 0;
    let steps = 0;
    for (let stepInEpoch = 1; ; stepInEpoch++) {
      const { endOfEpoch } = trainer.trainStep();
      // read back every few steps: one transfer for several steps, and a live progress line
      if (stepInEpoch % 4 === 0 || endOfEpoch) {
        for (const m of await trainer.readStepMetrics()) {
          lossSum += m.crossEntropy;
          accuracySum += m.trainAccuracy;
          steps++;
        }
        process.stderr.write(
          progressLine(
            config,
            epoch,
            stepInEpoch,
            trainer.stepsPerEpoch,
            lossSum / steps,
            accuracySum / steps,
          ),
        );
      }
      if (endOfEpoch) break;
    }
    last = await trainer.endEpoch();
    epochSeconds.push((performance.now() - started) / 1000);
    history.push({
      epoch: last.epoch,
      trainLoss: lossSum / steps,
      trainAccuracy: accuracySum / steps,
      testAccuracy: last.test.accuracy,
      paramsKept: last.paramsKept,
      pruned: last.pruneEvents.length,
    });
    process.stderr.write(
      `\n  ${config.mode.padEnd(7)} epoch ${last.epoch}: test accuracy ${(100 * last.test.accuracy).toFixed(2)}%, params kept ${(100 * last.paramsKept).toFixed(1)}%${last.pruneEvents.length ? `, ${last.pruneEvents.length} layers pruned` : ''}\n`,
    );
  }
  const report = last!;
  const relative = (name: string) => name.slice(trainer.model.prefix.length + 1);
  const result: RunReport = {
    mode: config.mode,
    config,
    epochs: config.epochs,
    testAccuracy: report.test.accuracy,
    testLoss: report.test.loss,
    secondsPerEpoch: epochSeconds.reduce((a, b) => a + b, 0) / epochSeconds.length,
    params: {
      dense: report.accounting.dense.params,
      factorised: report.accounting.factorised.params,
      deployable: report.accounting.deployable.params,
    },
    macs: {
      dense: report.accounting.dense.macs,
      factorised: report.accounting.factorised.macs,
      deployable: report.accounting.deployable.macs,
    },
    paramsKeptPercent: 100 * report.paramsKept,
    macsKeptPercent: 100 * report.macsKept,
    layers: trainer.layers.map((l, i) => ({
      name: relative(l.name),
      initialRank: initialRanks.get(l.name)!,
      finalRank: l.s.shape[0],
      breakEvenRank: report.accounting.layers[i].breakEvenRank,
    })),
    history,
  };
  if (options.export)
    await exportModel(
      trainer,
      dataset.name,
      options.mode === 'both' ? join(options.export, config.mode) : options.export,
    );
  trainer.dispose();
  return result;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  await startNodeBackend(options.backend);
  const config = { ...baseConfig(options.model), ...options.knobs };
  const dataset =
    options.data === 'builtin'
      ? generateBuiltin({
          seed: config.seed,
          size: config.inputSize,
          trainCount: options.trainLimit ?? 10_000,
          testCount: options.testLimit ?? 2_000,
        })
      : await loadCifar(sourcesFromPath(options.data), {
          cifar100Labels: options.coarse ? 'coarse' : 'fine',
        });
  console.error(
    `${dataset.name}: ${dataset.train.count} train / ${dataset.test.count} test images; model ${options.model} (${config.architecture}, width x${config.widthMultiplier}, ${config.inputSize}px) on TF.js ${tf.getBackend()}`,
  );
  const modes = options.mode === 'both' ? (['dense', 'lowrank'] as const) : [options.mode];
  const runs: RunReport[] = [];
  for (const mode of modes) runs.push(await runOne(dataset, { ...config, mode }, options));
  const report: ExperimentReport = {
    createdAt: new Date().toISOString(),
    backend: tf.getBackend(),
    dataset: {
      name: dataset.name,
      kind: dataset.kind,
      trainCount: Math.min(dataset.train.count, options.trainLimit ?? Infinity),
      testCount: Math.min(dataset.test.count, options.testLimit ?? Infinity),
    },
    model: options.model,
    runs,
  };
  mkdirSync(options.out, { recursive: true });
  writeFileSync(join(options.out, 'report.json'), JSON.stringify(report, null, 2));
  const markdown = markdownReport(report);
  writeFileSync(join(options.out, 'report.md'), markdown);
  console.log(markdown);
  console.error(`wrote ${join(options.out, 'report.json')} and report.md`);
}

main().catch((error: Error) => {
  console.error(`experiment: ${error.message}\n\n${USAGE}`);
  process.exit(1);
});
