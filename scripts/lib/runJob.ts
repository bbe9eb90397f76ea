// Trains one job to its end in Node with the product's Trainer and summarises it as a RunReport:
// the loop shared by `npm run experiment` and `npm run study`.
import type { TrainConfig } from '../../src/config';
import type { ImageDataset } from '../../src/data/dataset';
import type { JobLimits } from '../../src/protocol';
import type { EpochReport } from '../../src/train/reports';
import { Trainer } from '../../src/train/trainer';
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

export async function trainToEnd(
  dataset: ImageDataset,
  config: TrainConfig,
  limits: JobLimits,
  progress?: Progress,
  onTrained?: (trainer: Trainer) => Promise<void>,
): Promise<RunReport> {
  const trainer = new Trainer(dataset, config, limits);
  try {
    const initialRanks = trainer.layers.map((l) => l.s.shape[0]);
    const history: RunReport['history'] = [];
    const started = performance.now();
    let last: EpochReport | null = null;
    while (trainer.epoch < config.epochs) {
      let lossSum = 0;
      let accuracySum = 0;
      let steps = 0;
      for (let stepInEpoch = 1; ; stepInEpoch++) {
        const { endOfEpoch } = trainer.trainStep();
        if (stepInEpoch % READ_EVERY === 0 || endOfEpoch) {
          for (const m of await trainer.readStepMetrics()) {
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
        if (endOfEpoch) break;
      }
      last = await trainer.endEpoch();
      const entry = {
        epoch: last.epoch,
        step: last.step,
        trainLoss: lossSum / steps,
        trainAccuracy: accuracySum / steps,
        testAccuracy: last.test.accuracy,
        paramsKeptPercent: percent(last.size.paramsKept),
        factorisedParamsKeptPercent: percent(last.size.factorisedParamsKept),
        rankKeptPercent: percent(last.size.rankKept),
        pruned: last.pruneEvents.length,
      };
      history.push(entry);
      progress?.epoch(last, entry);
    }
    const seconds = (performance.now() - started) / 1000;
    const report = last!;
    const { accounting, size } = report;
    if (onTrained) await onTrained(trainer);
    return {
      mode: config.mode,
      config,
      epochs: config.epochs,
      testAccuracy: report.test.accuracy,
      testLoss: report.test.loss,
      seconds,
      secondsPerEpoch: seconds / config.epochs,
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
