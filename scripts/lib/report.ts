// The experiment report: its JSON shape and its markdown rendering.
import type { TrainConfig } from '../../src/config';

export interface RunReport {
  mode: 'lowrank' | 'dense';
  config: TrainConfig;
  epochs: number;
  /** 0-1 */
  testAccuracy: number;
  testLoss: number;
  secondsPerEpoch: number;
  params: { dense: number; factorised: number; deployable: number };
  macs: { dense: number; factorised: number; deployable: number };
  paramsKeptPercent: number;
  macsKeptPercent: number;
  layers: { name: string; initialRank: number; finalRank: number; breakEvenRank: number }[];
  history: {
    epoch: number;
    trainLoss: number;
    trainAccuracy: number;
    testAccuracy: number;
    paramsKept: number;
    pruned: number;
  }[];
}

export interface ExperimentReport {
  createdAt: string;
  backend: string;
  dataset: { name: string; kind: string; trainCount: number; testCount: number };
  model: string;
  runs: RunReport[];
}

const thousands = (n: number) => n.toLocaleString('en-US');
const percent = (n: number) => `${n.toFixed(1)}%`;

export function markdownReport(report: ExperimentReport): string {
  const lines = [
    `# Experiment: ${report.model} on ${report.dataset.name}`,
    '',
    `${report.dataset.trainCount} training / ${report.dataset.testCount} test images, TF.js ${report.backend}, ${report.createdAt}`,
    '',
    '| mode | epochs | test accuracy | params (dense / factorised / deployable) | params kept | MACs (dense / factorised / deployable) | MACs kept | s / epoch |',
    '|---|---|---|---|---|---|---|---|',
    ...report.runs.map(
      (r) =>
        `| ${r.mode} | ${r.epochs} | ${(100 * r.testAccuracy).toFixed(2)}% | ${thousands(r.params.dense)} / ${thousands(r.params.factorised)} / ${thousands(r.params.deployable)} | ${percent(r.paramsKeptPercent)} | ${thousands(r.macs.dense)} / ${thousands(r.macs.factorised)} / ${thousands(r.macs.deployable)} | ${percent(r.macsKeptPercent)} | ${r.secondsPerEpoch.toFixed(1)} |`,
    ),
  ];
  for (const run of report.runs.filter((r) => r.layers.length > 0)) {
    lines.push(
      '',
      `## Ranks (${run.mode})`,
      '',
      '| layer | initial rank | final rank | break-even |',
      '|---|---|---|---|',
    );
    for (const layer of run.layers)
      lines.push(
        `| ${layer.name} | ${layer.initialRank} | ${layer.finalRank} | ${layer.breakEvenRank.toFixed(1)} |`,
      );
  }
  return `${lines.join('\n')}\n`;
}
