// `npm run experiment -- --data <archive|dir|builtin> --model <preset|architecture> --mode
// lowrank|dense|both [--epochs N] [--train-limit K] [--test-limit K] [--seed S] [--out dir]
// [--<any knob> value]`: trains in Node with the product's trainer and writes report.json,
// report.md, and each run's run-log.jsonl and TensorBoard event files (in <out>/<mode>/ with
// --mode both). Every knob of src/config.ts is a flag (camelCase or kebab-case).
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configProblems, type TrainConfig } from '../src/config';
import type { ImageDataset } from '../src/data/dataset';
import { exportJob, timeInference } from '../src/train/exporter';
import type { Trainer } from '../src/train/trainer';
import {
  USAGE,
  UsageError,
  parseArgs,
  baseConfig,
  jobLimits,
  type Options,
} from './lib/experimentArgs';
import { helpRequested } from './lib/cli';
import { loadDatasetArgument } from './lib/files';
import { startNodeBackend } from './lib/nodeBackend';
import { consoleProgress } from './lib/progress';
import { markdownReport, type ExperimentReport, type RunReport } from './lib/report';
import { runLogDataset, startRecording, writeRunFiles } from './lib/runFiles';
import { imageCounts, trainToEnd } from './lib/runJob';

async function exportModel(
  trainer: Trainer,
  datasetName: string,
  directory: string,
): Promise<void> {
  const { report, files, labels } = await exportJob(trainer, datasetName);
  const timing = await timeInference(trainer);
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, 'model.json'), files.modelJson);
  writeFileSync(join(directory, 'model.weights.bin'), new Uint8Array(files.weights));
  writeFileSync(join(directory, 'labels.json'), `${JSON.stringify(labels, null, 2)}\n`);
  writeFileSync(
    join(directory, 'report.json'),
    JSON.stringify({ ...report, inferenceTiming: timing }, null, 2),
  );
  console.error(
    `  exported ${report.mode} model to ${directory} (${report.params.exported} params, ${report.paramsKeptPercent.toFixed(1)}% of dense; inference ${timing.speedup.toFixed(2)}x dense on ${timing.backend})`,
  );
}

/** Refuses, before any training, output paths that exist as files. */
function checkOutputFolders(options: Options): void {
  for (const path of [options.out, options.export]) {
    if (path && existsSync(path) && !statSync(path).isDirectory())
      throw new Error(`${path} exists and is not a folder: choose another output path`);
  }
}

async function runOne(
  dataset: ImageDataset,
  config: TrainConfig,
  options: Options,
): Promise<RunReport> {
  const exportTo = options.export;
  const recording = startRecording();
  const report = await trainToEnd(dataset, config, jobLimits(options), {
    progress: consoleProgress(config),
    validation: options.validation,
    stopAfterEpochs: options.stopAfterEpochs,
    journal: recording.journal,
    onTrained: exportTo
      ? (trainer) =>
          exportModel(
            trainer,
            dataset.name,
            options.mode === 'both' ? join(exportTo, config.mode) : exportTo,
          )
      : undefined,
  });
  const folder = options.mode === 'both' ? join(options.out, config.mode) : options.out;
  const about = runLogDataset(dataset, options.validation, jobLimits(options));
  writeRunFiles(folder, recording, about, 'experiment');
  console.error(`  wrote ${config.mode}'s run-log.jsonl and TensorBoard event files to ${folder}`);
  return report;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (helpRequested(args)) {
    console.log(USAGE);
    return;
  }
  const options = parseArgs(args);
  checkOutputFolders(options);
  await startNodeBackend(options.backend);
  const config = { ...baseConfig(options.model), ...options.knobs };
  const problems = configProblems(config);
  if (options.stopAfterEpochs && options.stopAfterEpochs > config.epochs)
    problems.push(
      `--stop-after-epochs ${options.stopAfterEpochs} is past the run's ${config.epochs} epochs`,
    );
  if (problems.length) throw new UsageError(problems.join('; '));
  const dataset = await loadDatasetArgument(options.data, options);
  const limits = jobLimits(options);
  const counts = imageCounts(dataset, options.validation, limits);
  const { trainCount, testCount } = counts;
  const validation = options.validation ? `${options.validation} validation / ` : '';
  console.error(
    `${dataset.name}: ${trainCount} train / ${validation}${testCount} test images; model ${options.model} (${config.architecture}, width x${config.widthMultiplier}, ${config.inputSize}px) on TF.js ${tf.getBackend()}`,
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
      ...counts,
      classNames: dataset.classNames,
      ...(dataset.folder ? { folder: dataset.folder } : {}),
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
  console.error(`experiment: ${error.message}${error instanceof UsageError ? `\n\n${USAGE}` : ''}`);
  process.exit(1);
});
