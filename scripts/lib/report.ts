// The experiment report: its JSON shape (report.json) and its markdown rendering (report.md).
import type { FolderInfo } from '../../src/data/folderInfo';
import type { TrainConfig } from '../../src/config';
import type { PruningWindow } from '../../src/protocol';
import type { Baseline } from './baselines';

export interface RunReport {
  mode: 'lowrank' | 'dense';
  config: TrainConfig;
  epochs: number;
  /** --stop-after-epochs: the run stopped after this many of its schedule's epochs */
  stoppedAfterEpochs?: number;
  /** 0-1 */
  testAccuracy: number;
  testLoss: number;
  /** with a validation split (--validation N): the last epoch's accuracy on it, 0-1 */
  validationAccuracy?: number;
  validationLoss?: number;
  validationCount?: number;
  /** an equal-size baseline of a low-rank run (study --baselines), and what it holds */
  baseline?: Baseline;
  /** 'missed': the loss gate never opened, so the run was not pruned (PruningWindow) */
  pruningWindow: PruningWindow;
  /** training and evaluation time of the whole run */
  seconds: number;
  secondsPerEpoch: number;
  params: { dense: number; factorised: number; deployable: number };
  macs: { dense: number; factorised: number; deployable: number };
  /** deployable params as % of dense: what an exported model stores */
  paramsKeptPercent: number;
  /** every factorised layer as U, s, V, as % of dense (above 100 at full rank) */
  factorisedParamsKeptPercent: number;
  /** sum of ranks / sum of full ranks, % */
  rankKeptPercent: number;
  macsKeptPercent: number;
  layers: {
    name: string;
    initialRank: number;
    finalRank: number;
    breakEvenRank: number;
    params: { dense: number; factorised: number; deployable: number };
    /** the form an exported model stores the layer in */
    form: 'lowrank' | 'composed';
  }[];
  history: {
    epoch: number;
    step: number;
    trainLoss: number;
    trainAccuracy: number;
    /** each epoch is evaluated on the validation split where there is one, else on test */
    testAccuracy?: number;
    validationAccuracy?: number;
    paramsKeptPercent: number;
    factorisedParamsKeptPercent: number;
    rankKeptPercent: number;
    /** layers cut during the epoch */
    pruned: number;
  }[];
}

export interface ExperimentReport {
  createdAt: string;
  backend: string;
  dataset: {
    name: string;
    kind: string;
    trainCount: number;
    testCount: number;
    /** training images held out for validation (not in trainCount) */
    validationCount?: number;
    classNames: string[];
    /** your own images: how they were split, what was skipped */
    folder?: FolderInfo;
  };
  model: string;
  runs: RunReport[];
}

const thousands = (n: number) => n.toLocaleString('en-US');
const percent = (n: number) => `${n.toFixed(1)}%`;

/** Validation accuracy, where the run held a split out. */
const validationCell = (run: RunReport) =>
  run.validationAccuracy === undefined ? '–' : `${(100 * run.validationAccuracy).toFixed(2)}%`;

export function markdownReport(report: ExperimentReport): string {
  const { trainCount, testCount, validationCount } = report.dataset;
  const validation = validationCount ? `${validationCount} validation / ` : '';
  const lines = [
    `# Experiment: ${report.model} on ${report.dataset.name}`,
    '',
    `${trainCount} training / ${validation}${testCount} test images, TF.js ${report.backend}, ${report.createdAt}`,
    '',
    'Params kept: deployable (each layer in its cheaper form, what an export stores) and factorised (every layer as U, s, V), as a share of the dense network.',
    '',
    '| mode | epochs | validation accuracy | test accuracy | params kept (deployable) | params kept (factorised) | rank kept | MACs kept | params (dense / factorised / deployable) | seconds |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...report.runs.map(
      (r) =>
        `| ${r.mode} | ${r.stoppedAfterEpochs ? `${r.stoppedAfterEpochs} of ${r.epochs}` : r.epochs} | ${validationCell(r)} | ${(100 * r.testAccuracy).toFixed(2)}% | ${percent(r.paramsKeptPercent)} | ${percent(r.factorisedParamsKeptPercent)} | ${percent(r.rankKeptPercent)} | ${percent(r.macsKeptPercent)} | ${thousands(r.params.dense)} / ${thousands(r.params.factorised)} / ${thousands(r.params.deployable)} | ${r.seconds.toFixed(0)} |`,
    ),
  ];
  for (const run of report.runs.filter((r) => r.pruningWindow === 'missed'))
    lines.push(
      '',
      `**The ${run.mode} run was never pruned:** its pruning window ended before the smoothed train loss fell ${100 * run.config.pruneLossDrop}% below chance (ln of the class count), so it kept its full size.`,
    );
  for (const run of report.runs.filter((r) => r.layers.length > 0)) {
    lines.push(
      '',
      `## Layers (${run.mode})`,
      '',
      '| layer | initial rank | final rank | break-even | params dense / factorised / deployable | stored as |',
      '|---|---|---|---|---|---|',
    );
    for (const layer of run.layers)
      lines.push(
        `| ${layer.name} | ${layer.initialRank} | ${layer.finalRank} | ${layer.breakEvenRank.toFixed(1)} | ${thousands(layer.params.dense)} / ${thousands(layer.params.factorised)} / ${thousands(layer.params.deployable)} | ${layer.form === 'lowrank' ? 'U, s, V' : 'merged kernel'} |`,
      );
  }
  return `${lines.join('\n')}\n`;
}
