// Trains one job to its end in Node with the product's Trainer and summarises it as a RunReport:
// the loop shared by `npm run experiment` and `npm run study`. Given a journal, it records the
// run's history as the studio's session does (the same events), for a run log.
import type { TrainConfig } from '../../src/config';
import { CHANNELS, type ImageDataset } from '../../src/data/dataset';
import { limitSplit, resizeSplit } from '../../src/data/resize';
import { evaluateSplit } from '../../src/train/evaluation';
import { withValidation } from '../../src/data/validation';
import type { JobLimits } from '../../src/protocol';
import type { EpochReport } from '../../src/train/reports';
import { toSeries } from '../../src/train/stepSeries';
import { Trainer } from '../../src/train/trainer';
import type { Checkpoint } from '../../src/train/trainerState';
import type { RunJournal } from '../../src/worker/runJournal';
import {
  configuredEvent,
  epochEvent,
  evaluationEvent,
  prunedEvent,
  spectraEvent,
} from '../../src/worker/sessionEvents';
import type { Baseline } from './baselines';
import type { RunReport } from './report';

export interface Progress {
  /** a step was read back: position in the epoch and the epoch's running means */
  step(
    epoch: number,
    stepInEpoch: number,
    stepsPerEpoch: number,
    loss: number,
    accuracy: number,
  ): void;
  /** an epoch ended */
  epoch(report: EpochReport, history: RunReport['history'][number]): void;
}

/** The loss became NaN or infinite: the run stops there, and says so. */
export class DivergedError extends Error {
  constructor(
    readonly step: number,
    config: TrainConfig,
  ) {
    super(
      `the ${config.mode} run diverged at step ${step}: the loss became NaN or infinite. Lower --learning-rate (now ${config.learningRate}) or the regulariser weights (--lambda-orth ${config.lambdaOrth}, --lambda-rank ${config.lambdaRank}).`,
    );
  }
}

/** Steps between read-backs: one transfer for several steps. */
const READ_EVERY = 4;

const percent = (share: number) => 100 * share;

export interface RunOptions {
  progress?: Progress;
  /** after the last epoch, before the trainer is disposed (an export) */
  onTrained?: (trainer: Trainer) => Promise<void>;
  /**
   * Training images held out (validation.ts): every epoch is evaluated on them, the test set
   * once, at the end. 0 or absent: every epoch on the test set.
   */
  validation?: number;
  /** an equal-size baseline: a fixed-ranks one is cut to its ranks before the first step */
  baseline?: Baseline;
  /** records the run's chart events, as the studio's session posts them (for run-log.jsonl) */
  journal?: RunJournal;
  /** stop after this many epochs; the schedule still spans config.epochs */
  stopAfterEpochs?: number;
  /** start from this checkpoint (a post-hoc baseline: postHoc.ts), not from step 0 */
  startFrom?: Checkpoint;
  /** hands over the trainer's checkpoint, and the seconds so far, after epoch `afterEpoch` */
  keepCheckpoint?: { afterEpoch: number; keep(checkpoint: Checkpoint, seconds: number): void };
}

/** The images a job trains, is validated and is tested on, as reports record them. */
export function imageCounts(
  dataset: ImageDataset,
  validation: number,
  limits: JobLimits,
): { trainCount: number; testCount: number; validationCount?: number } {
  return {
    trainCount: Math.min(dataset.train.count - validation, limits.trainLimit ?? Infinity),
    testCount: Math.min(dataset.test.count, limits.testLimit ?? Infinity),
    ...(validation ? { validationCount: validation } : {}),
  };
}

/** Trains `config` to its last epoch and reports the run. */
export async function trainToEnd(
  dataset: ImageDataset,
  config: TrainConfig,
  limits: JobLimits,
  options: RunOptions = {},
): Promise<RunReport> {
  const { progress, onTrained, validation = 0, baseline, journal, stopAfterEpochs } = options;
  const { startFrom, keepCheckpoint } = options;
  const held = validation > 0 ? withValidation(dataset, validation) : null;
  const trainer = startFrom
    ? Trainer.restore(held?.dataset ?? dataset, startFrom)
    : held
      ? new Trainer(held.dataset, config, { trainLimit: limits.trainLimit })
      : new Trainer(dataset, config, limits);
  try {
    if (baseline?.kind === 'fixed-ranks') await trainer.holdRanks(baseline.ranks);
    const initialRanks = trainer.layers.map((l) => l.s.shape[0]);
    if (journal) {
      journal.record(configuredEvent(trainer));
      journal.record(spectraEvent(trainer.step, await trainer.spectra()));
    }
    const history: RunReport['history'] = [];
    const started = performance.now();
    let last: EpochReport | null = null;
    const lastEpoch = Math.min(config.epochs, stopAfterEpochs ?? config.epochs);
    while (trainer.epoch < lastEpoch) {
      let lossSum = 0;
      let accuracySum = 0;
      let steps = 0;
      for (let stepInEpoch = 1; ; stepInEpoch++) {
        const { endOfEpoch } = trainer.trainStep();
        if (stepInEpoch % READ_EVERY === 0 || endOfEpoch) {
          const metrics = await trainer.readStepMetrics();
          if (metrics.length)
            journal?.record({ type: 'steps', run: 'main', series: toSeries(metrics) });
          for (const m of metrics) {
            if (!Number.isFinite(m.total)) throw new DivergedError(m.step, config);
            lossSum += m.crossEntropy;
            accuracySum += m.trainAccuracy;
            steps++;
          }
          progress?.step(
            trainer.epoch,
            stepInEpoch,
            trainer.stepsPerEpoch,
            lossSum / steps,
            accuracySum / steps,
          );
        }
        await trainer.pruneIfDue();
        const pruned = trainer.takePruneLog();
        if (journal && pruned.length) {
          journal.record(prunedEvent(trainer, pruned));
          journal.record(spectraEvent(trainer.step, await trainer.spectra()));
        }
        if (endOfEpoch) break;
      }
      last = await trainer.endEpoch();
      journal?.record(epochEvent(last, 'main'));
      journal?.record(spectraEvent(last.step, last.spectra));
      const entry = {
        epoch: last.epoch,
        step: last.step,
        trainLoss: lossSum / steps,
        trainAccuracy: accuracySum / steps,
        ...(held
          ? { validationAccuracy: last.test.accuracy }
          : { testAccuracy: last.test.accuracy }),
        paramsKeptPercent: percent(last.size.paramsKept),
        factorisedParamsKeptPercent: percent(last.size.factorisedParamsKept),
        rankKeptPercent: percent(last.size.rankKept),
        pruned: last.pruneEvents.length,
      };
      history.push(entry);
      progress?.epoch(last, entry);
      if (keepCheckpoint?.afterEpoch === last.epoch)
        keepCheckpoint.keep(await trainer.checkpoint(), (performance.now() - started) / 1000);
    }
    // a post-hoc run's time includes the dense epochs it started from
    const before = baseline?.kind === 'post-hoc' ? baseline.denseSeconds : 0;
    const seconds = before + (performance.now() - started) / 1000;
    const report = last!;
    const { accounting, size } = report;
    const imageBytes = dataset.height * dataset.width * CHANNELS;
    // the test set held apart, resized as the training images were, read once
    const test = held
      ? await evaluateSplit(
          trainer.model,
          resizeSplit(
            limitSplit(held.test, limits.testLimit, imageBytes),
            dataset.height,
            config.inputSize,
          ),
          config.inputSize,
          trainer.stats,
        )
      : report.test;
    // the epochs were evaluated on the held-out images: the test set's one reading is an event
    if (held) journal?.record(evaluationEvent('main', 'full', trainer.step, test));
    if (onTrained) await onTrained(trainer);
    return {
      mode: config.mode,
      config,
      epochs: config.epochs,
      ...(lastEpoch < config.epochs ? { stoppedAfterEpochs: lastEpoch } : {}),
      pruningWindow: report.pruningWindow,
      ...(baseline ? { baseline } : {}),
      testAccuracy: test.accuracy,
      testLoss: test.loss,
      ...(held
        ? {
            validationAccuracy: report.test.accuracy,
            validationLoss: report.test.loss,
            validationCount: held.dataset.test.count,
          }
        : {}),
      seconds,
      secondsPerEpoch: seconds / lastEpoch,
      params: {
        dense: accounting.dense.params,
        factorised: accounting.factorised.params,
        deployable: accounting.deployable.params,
      },
      macs: {
        dense: accounting.dense.macs,
        factorised: accounting.factorised.macs,
        deployable: accounting.deployable.macs,
      },
      paramsKeptPercent: percent(size.paramsKept),
      factorisedParamsKeptPercent: percent(size.factorisedParamsKept),
      rankKeptPercent: percent(size.rankKept),
      macsKeptPercent: percent(size.macsKept),
      layers: accounting.layers.map((layer, i) => ({
        name: layer.name,
        initialRank: initialRanks[i],
        finalRank: layer.rank,
        breakEvenRank: layer.breakEvenRank,
        params: {
          dense: layer.dense.params,
          factorised: layer.factorised.params,
          deployable: layer.deployable.params,
        },
        form: layer.deployableForm,
      })),
      history,
    };
  } finally {
    trainer.dispose();
  }
}
