// Runs side by side, epoch by epoch: the TypeScript trainer's first epochs beside the PyTorch
// twin's on the same recipe (both write report.json in the same shape).
import type { ExperimentReport, RunReport } from './report';

export interface LabelledRun {
  label: string;
  history: RunReport['history'];
}

type Entry = RunReport['history'][number];

const percent = (share: number | undefined) =>
  share === undefined ? '–' : `${(100 * share).toFixed(2)}%`;

/** The accuracy each epoch was evaluated at: validation where the run held images out. */
const evaluated = (entry: Entry) => entry.validationAccuracy ?? entry.testAccuracy;

/**
 * One row an epoch, up to `epochs` (default: the longest run's), and for each run its train
 * loss, train accuracy, evaluated accuracy and params kept. Runs that stop earlier show dashes.
 */
export function epochComparison(runs: readonly LabelledRun[], epochs?: number): string {
  const last = epochs ?? Math.max(0, ...runs.map((run) => run.history.length));
  const heads = runs.flatMap(({ label }) => [
    `${label}: train loss`,
    'train accuracy',
    'evaluated accuracy',
    'params kept',
  ]);
  const lines = [`| epoch | ${heads.join(' | ')} |`, `|---${'|---'.repeat(heads.length)}|`];
  for (let epoch = 1; epoch <= last; epoch++) {
    const cells = runs.flatMap(({ history }) => {
      const entry = history.find((e) => e.epoch === epoch);
      if (!entry) return ['–', '–', '–', '–'];
      return [
        entry.trainLoss.toFixed(3),
        percent(entry.trainAccuracy),
        percent(evaluated(entry)),
        `${entry.paramsKeptPercent.toFixed(1)}%`,
      ];
    });
    lines.push(`| ${epoch} | ${cells.join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}

/** `label=path/report.json` (its first run, or `label=path#mode` for the run of that mode). */
export function labelledRun(argument: string, read: (path: string) => string): LabelledRun {
  const match = /^([^=]+)=([^#]+)(?:#(lowrank|dense))?$/.exec(argument);
  if (!match)
    throw new Error(`expected label=path/report.json or label=path#mode, got '${argument}'`);
  const [, label, path, mode] = match;
  const report = JSON.parse(read(path)) as ExperimentReport;
  const run = mode ? report.runs.find((r) => r.mode === mode) : report.runs[0];
  if (!run) throw new Error(`${path} has no ${mode ?? ''} run`);
  return { label, history: run.history };
}
