// `npm run study -- --data <archive|dir|builtin> --model <preset|architecture> [--targets 70,50,30,20]
// [--seeds 1,2] [--no-rule] [--out dir] [experiment flags]`: trains the dense baseline, the low-rank
// run under the threshold rule and the low-rank run at each target size, with the same recipe and
// seeds, and writes study.json, results.md and accuracy-vs-params.svg, and each run's
// run-log.jsonl and TensorBoard event files in runs/seed-<seed>/<run>/.
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configProblems, KNOBS, parseKnob, type KnobName, type TrainConfig } from '../src/config';
import {
  USAGE as EXPERIMENT_USAGE,
  UsageError,
  baseConfig,
  jobLimits,
  parseArgs,
} from './lib/experimentArgs';
import { helpRequested, knobOf } from './lib/cli';
import { loadDatasetArgument } from './lib/files';
import { startNodeBackend } from './lib/nodeBackend';
import { consoleProgress } from './lib/progress';
import {
  baselinesOf,
  postHocDenseEpochs,
  type BaselineRun,
  type DenseStart,
} from './lib/baselines';
import { runLogDataset, startRecording, writeRunFiles } from './lib/runFiles';
import { DivergedError, imageCounts, trainToEnd } from './lib/runJob';
import {
  readStudyFolder,
  runLabels,
  studyMarkdown,
  studyPlot,
  type Diverged,
  type Study,
  type StudyRun,
} from './lib/studyReport';

export const STUDY_USAGE = `usage: npm run study -- --data <archive|folder|builtin> --model <name> [options]

  --targets 70,50,30,20   target sizes (% of dense params) of the low-rank runs; none: only the rule
  --seeds 1,2             one run of each configuration per seed
  --no-rule               leave out the low-rank run under the threshold rule (no target; with
                          the preset's λ_r, or 0.3 where the preset has none)
  --baselines T           after each seed's target-T run, three baselines of its deployable size:
                          dense at the width whose params match it (within 2%), the factorised
                          network held at its final ranks from the first step (no pruning), and
                          post-hoc: the seed's dense run after half the epochs, each layer's SVD
                          truncated to those ranks, fine-tuned for the other half
  --sweep knob=v1,v2      the low-rank runs (the rule and each target) again with each value of
                          one setting that differs from the recipe's, labelled with it, e.g.
                          --sweep min-rank=2,4; repeat the flag to vary settings one at a time
                          (--sweep lambda-rank=0.1 --sweep lambda-orth=0); dense runs once a seed
  --out <dir>             where study-<seeds>.json, results.md and accuracy-vs-params.svg go
                          (default experiments/study); results.md and the plot cover every
                          study-*.json in the folder, so seeds can run as parallel processes;
                          each run's run-log.jsonl and TensorBoard event files go in
                          runs/seed-<seed>/<run>/ (tensorboard --logdir <dir>/runs)
  and the options of npm run experiment but --mode and --export:

${EXPERIMENT_USAGE.split('\n').slice(2).join('\n')}`;

const PLOT_FILE = 'accuracy-vs-params.svg';
const STUDY_FLAGS = ['--targets', '--seeds', '--no-rule', '--baselines', '--sweep'];

export interface StudyOptions {
  targets: number[];
  seeds: number[];
  rule: boolean;
  /** the target whose runs get equal-size baselines; null: none */
  baselines: number | null;
  /** settings the low-rank runs repeat over, one at a time */
  sweeps: Sweep[];
  rest: string[];
}

export interface Sweep {
  knob: KnobName;
  values: TrainConfig[KnobName][];
}

/** `min-rank=1,2,4`: a setting of the studio and the values its low-rank runs take. */
export function parseSweep(text: string | undefined): Sweep {
  const [flag, list] = (text ?? '').split('=');
  const knob = flag && knobOf(flag);
  if (!knob || !(knob in KNOBS) || !list)
    throw new UsageError(
      `--sweep needs a setting and its values, e.g. min-rank=1,2,4, got ${text}`,
    );
  try {
    return {
      knob: knob as KnobName,
      values: list.split(',').map((v) => parseKnob(knob as KnobName, v)),
    };
  } catch (error) {
    throw new UsageError(`--sweep ${flag}: ${(error as Error).message}`);
  }
}

function numberList(flag: string, text: string | undefined, valid: (n: number) => boolean) {
  const values = (text ?? '').split(',').map(Number);
  if (!text || values.some((v) => !valid(v)))
    throw new UsageError(`${flag} needs a comma-separated list, got ${text}`);
  return values;
}

/** Takes the study's own flags out of the arguments; the rest are experiment flags. */
export function parseStudyArgs(args: string[]): StudyOptions {
  const options: StudyOptions = {
    targets: [70, 50, 30, 20],
    seeds: [1],
    rule: true,
    baselines: null,
    sweeps: [],
    rest: [],
  };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    if (flag === '--targets') {
      const text = args[++i];
      options.targets = text === 'none' ? [] : numberList(flag, text, (v) => v >= 10 && v <= 90);
    } else if (flag === '--seeds')
      options.seeds = numberList(flag, args[++i], (v) => Number.isInteger(v) && v >= 0);
    else if (flag === '--no-rule') options.rule = false;
    else if (flag === '--baselines')
      [options.baselines] = numberList(flag, args[++i], (v) => v >= 10 && v <= 90);
    else if (flag === '--sweep') options.sweeps.push(parseSweep(args[++i]));
    else if (flag === '--mode' || flag === '--export')
      throw new UsageError(`${flag} is not a study option: a study runs every mode`);
    else options.rest.push(flag);
  }
  if (!options.rule && !options.targets.length)
    throw new UsageError('--targets none and --no-rule leave only dense: keep one of them');
  if (options.sweeps.length && options.baselines !== null)
    throw new UsageError('--sweep and --baselines do not go together: run them as two studies');
  if (options.baselines !== null && !options.targets.includes(options.baselines))
    throw new UsageError(
      `--baselines ${options.baselines} needs a target-${options.baselines} run: add it to --targets`,
    );
  return options;
}

/**
 * The threshold rule needs the rank term to open gaps in the spectra: without one (a preset that
 * leaves it to the target schedule) its run takes the rank weight that kept accuracy in the
 * calibration (docs/results.md).
 */
export const RULE_LAMBDA_RANK = 0.3;
const ruleLambdaRank = (config: TrainConfig) => config.lambdaRank || RULE_LAMBDA_RANK;

/** The folder of a run's log and event files: runs/seed-1/dense, .../rule-t0.1-l0.3, .../target-50. */
export function runFolder(seed: number, label: string): string {
  const name = label
    .toLowerCase()
    .replace(/τ |λ_r /g, (symbol) => (symbol === 'τ ' ? 't' : 'l'))
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^-|-$/g, '');
  return join('runs', `seed-${seed}`, name);
}

/**
 * Runs one training; a run that blows up is a result of the study too, so it is recorded in
 * `diverged` (null returned) and the study goes on. Any other error stops the study.
 */
export async function unlessDiverged<T>(
  run: () => Promise<T>,
  job: Omit<Diverged, 'step'>,
  diverged: Diverged[],
): Promise<T | null> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof DivergedError)) throw error;
    console.error(`  ${error.message}`);
    diverged.push({ ...job, step: error.step });
    return null;
  }
}

interface PlannedRun {
  label: string;
  seed: number;
  target: number | null;
  config: TrainConfig;
}

/** The configurations of a study, in the order they run. */
export function studyPlan(
  config: TrainConfig,
  options: Pick<StudyOptions, 'targets' | 'seeds' | 'rule'> & Partial<Pick<StudyOptions, 'sweeps'>>,
): PlannedRun[] {
  const plan = basePlan(config, options);
  const labels = new Set(plan.map((run) => run.label));
  const variants = (options.sweeps ?? []).flatMap(({ knob, values }) =>
    values
      .filter((value) => value !== config[knob])
      .flatMap((value) =>
        basePlan({ ...config, [knob]: value }, options)
          .filter((run) => run.config.mode === 'lowrank')
          // a label that names the setting already (the rule's τ and λ_r) stays as it is
          .map((run) =>
            labels.has(run.label)
              ? { ...run, label: runLabels.swept(run.label, knob, value) }
              : run,
          ),
      ),
  );
  // seed by seed, so a stopped study has whole seeds behind it
  return options.seeds.flatMap((seed) => [...plan, ...variants].filter((run) => run.seed === seed));
}

function basePlan(
  config: TrainConfig,
  options: Pick<StudyOptions, 'targets' | 'seeds' | 'rule'>,
): PlannedRun[] {
  return options.seeds.flatMap((seed) => [
    { label: 'dense', seed, target: null, config: { ...config, seed, mode: 'dense' as const } },
    ...(options.rule
      ? [
          {
            label: runLabels.rule(config.pruneThreshold, ruleLambdaRank(config)),
            seed,
            target: null,
            config: {
              ...config,
              seed,
              mode: 'lowrank' as const,
              targetParamsKept: 0,
              lambdaRank: ruleLambdaRank(config),
            },
          },
        ]
      : []),
    ...options.targets.map((target) => ({
      label: runLabels.target(target),
      seed,
      target,
      config: { ...config, seed, mode: 'lowrank' as const, targetParamsKept: target },
    })),
  ]);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (helpRequested(args)) {
    console.log(STUDY_USAGE);
    return;
  }
  const study = parseStudyArgs(args);
  const options = parseArgs(study.rest, STUDY_FLAGS);
  const out =
    options.out === join('experiments', 'latest') ? join('experiments', 'study') : options.out;
  await startNodeBackend(options.backend);
  const config = { ...baseConfig(options.model), ...options.knobs };
  const plan = studyPlan(config, study);
  // the recipe and every run a sweep makes of it, before the dataset loads
  const problems = new Set([config, ...plan.map((run) => run.config)].flatMap(configProblems));
  if (problems.size) throw new UsageError([...problems].join('; '));
  const dataset = await loadDatasetArgument(options.data, options);
  const limits = jobLimits(options);
  const runs: StudyRun[] = [];
  const about = runLogDataset(dataset, options.validation, limits);
  // each seed's dense run (not a narrower baseline), partway, for the post-hoc baseline
  let denseStart: DenseStart | undefined;
  const keepDense = (config: TrainConfig, baseline?: unknown) => {
    const epochs = postHocDenseEpochs(config.epochs);
    if (study.baselines === null || config.mode !== 'dense' || baseline || !epochs) return;
    return {
      afterEpoch: epochs,
      keep: (checkpoint: DenseStart['checkpoint'], seconds: number) => {
        denseStart = { checkpoint, epochs, seconds };
      },
    };
  };
  const train = async (
    config: TrainConfig,
    label: string,
    seed: number,
    extra?: Pick<BaselineRun, 'baseline' | 'startFrom'>,
  ) => {
    const recording = startRecording();
    const report = await trainToEnd(dataset, config, limits, {
      progress: consoleProgress(config, label),
      validation: options.validation,
      baseline: extra?.baseline,
      startFrom: extra?.startFrom,
      keepCheckpoint: keepDense(config, extra?.baseline),
      journal: recording.journal,
    });
    writeRunFiles(join(out, runFolder(seed, label)), recording, about, 'study');
    return report;
  };
  const diverged: Diverged[] = [];
  const trainOrRecord = (...args: Parameters<typeof train>) =>
    unlessDiverged(() => train(...args), { label: args[1], seed: args[2] }, diverged);
  for (const [index, job] of plan.entries()) {
    console.error(`[${index + 1}/${plan.length}] ${job.label}, seed ${job.seed}`);
    const report = await trainOrRecord(job.config, job.label, job.seed);
    if (!report) continue;
    runs.push({ label: job.label, seed: job.seed, target: job.target, report });
    if (job.target === null || job.target !== study.baselines) continue;
    const classes = dataset.classNames.length;
    for (const extra of baselinesOf(report, job.label, classes, denseStart)) {
      console.error(`  baseline: ${extra.label}, seed ${job.seed}`);
      const run = await trainOrRecord(extra.config, extra.label, job.seed, extra);
      if (run) runs.push({ label: extra.label, seed: job.seed, target: null, report: run });
    }
  }
  const record: Study = {
    name: options.model,
    createdAt: new Date().toISOString(),
    backend: tf.getBackend(),
    command: `npm run study -- ${args.join(' ')}`,
    dataset: {
      name: dataset.name,
      ...imageCounts(dataset, options.validation, limits),
      ...(dataset.folder ? { folder: dataset.folder } : {}),
    },
    model: options.model,
    seeds: study.seeds,
    targets: study.targets,
    runs,
    ...(diverged.length ? { diverged } : {}),
  };
  mkdirSync(out, { recursive: true });
  const recordFile = join(out, `study-${study.seeds.join('-')}.json`);
  writeFileSync(recordFile, JSON.stringify(record, null, 2));
  // the folder's other records (other seeds, run in parallel) join this one
  const merged = readStudyFolder(out);
  writeFileSync(join(out, PLOT_FILE), await studyPlot(merged));
  const markdown = studyMarkdown(merged, PLOT_FILE);
  writeFileSync(join(out, 'results.md'), `# Study\n\n${markdown}`);
  console.log(markdown);
  console.error(
    `wrote ${recordFile}, and results.md and ${PLOT_FILE} for seeds ${merged.seeds.join(', ')}`,
  );
}

if (process.argv[1]?.endsWith('study.ts'))
  main().catch((error: Error) => {
    const usage = error instanceof UsageError ? `\n\n${STUDY_USAGE}` : '';
    console.error(`study: ${error.message}${usage}`);
    process.exit(1);
  });
