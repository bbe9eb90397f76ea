// A study's record (study.json), its markdown table and its plot of test accuracy against params
// kept, drawn by Vega-Lite as SVG.
import type { FolderInfo } from '../../src/data/folderInfo';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Baseline } from './baselines';
import type { RunReport } from './report';

export interface StudyRun {
  /** 'dense', 'rule (τ 0.1, λ_r 0.3)' (the threshold rule, no target) or 'target 50%' */
  label: string;
  seed: number;
  /** % of dense params to end at; null for dense and rule runs */
  target: number | null;
  report: RunReport;
}

export interface Study {
  name: string;
  createdAt: string;
  backend: string;
  command: string;
  dataset: {
    name: string;
    trainCount: number;
    testCount: number;
    validationCount?: number;
    /** your own images: how they were split, what was skipped */
    folder?: FolderInfo;
  };
  model: string;
  seeds: number[];
  targets: number[];
  runs: StudyRun[];
  /** runs whose loss became NaN or infinite: no result, left out of the rows */
  diverged?: Diverged[];
}

export interface Diverged {
  label: string;
  seed: number;
  step: number;
}

export interface StudyRow {
  label: string;
  target: number | null;
  seeds: number;
  /** test accuracy, %, mean over seeds, with the lowest and highest */
  accuracy: { mean: number; min: number; max: number };
  /** the last epoch's validation accuracy, %, the same way, where the runs held a split out */
  validation?: { mean: number; min: number; max: number };
  /** test accuracy minus dense's of the same seed, one per seed (in seed order) */
  pairedToDense: number[];
  /** seeds whose pruning window never opened (the loss gate stayed shut): not pruned */
  neverPruned: number;
  paramsKept: number;
  factorisedParamsKept: number;
  rankKept: number;
  macsKept: number;
  seconds: number;
}

/**
 * One study from several records of the same study (e.g. seeds run as separate processes, in
 * parallel): the runs together, the seeds in order, the latest date and every command.
 */
export function mergeStudies(records: Study[]): Study {
  if (records.length === 0) throw new Error('no study records to merge');
  const sorted = [...records].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const last = sorted.at(-1)!;
  return {
    ...last,
    command: sorted.map((r) => r.command).join('\n'),
    seeds: [...new Set(sorted.flatMap((r) => r.seeds))].sort((a, b) => a - b),
    runs: sorted.flatMap((r) => r.runs),
    diverged: sorted.flatMap((r) => r.diverged ?? []),
  };
}

/** Reads and merges every study-*.json record in a folder. */
export function readStudyFolder(folder: string): Study {
  const files = readdirSync(folder).filter((name) => /^study-.*\.json$/.test(name));
  return mergeStudies(
    files.map((name) => JSON.parse(readFileSync(join(folder, name), 'utf8')) as Study),
  );
}

/** What a run is, for the plot's legend: its method, or which equal-size baseline. */
export const RUN_KINDS = [
  'dense',
  'low-rank, target',
  'low-rank, rule',
  'dense, narrower',
  'fixed ranks',
  'post-hoc',
] as const;
export type RunKind = (typeof RUN_KINDS)[number];
const KIND_COLOURS = ['#7a8699', '#2d4a8a', '#c9812b', '#3f8f5a', '#8a3f7a', '#b5443b'];

/** Each equal-size baseline's name, in labels and in the legend. */
const BASELINE_NAMES: Record<Baseline['kind'], RunKind> = {
  'narrower-dense': 'dense, narrower',
  'fixed-ranks': 'fixed ranks',
  'post-hoc': 'post-hoc',
};

/** The labels a study gives its runs, in one place: a study from runs' reports uses them too. */
export const runLabels = {
  target: (percent: number) => `target ${percent}%`,
  rule: (tau: number, lambdaRank: number) => `rule (τ ${tau}, λ_r ${lambdaRank})`,
  /** a run of a sweep: the label it has without one and the setting's value */
  swept: (label: string, knob: string, value: unknown) => `${label}, ${knob} ${String(value)}`,
  /** a baseline of the run labelled `of` */
  baseline: (kind: Baseline['kind'], of: string) => `${BASELINE_NAMES[kind]} (${of})`,
};

export function runKind(run: Pick<StudyRun, 'label' | 'target' | 'report'>): RunKind {
  const baseline = run.report.baseline?.kind;
  if (baseline) return BASELINE_NAMES[baseline];
  if (run.label === 'dense') return 'dense';
  return run.target === null ? 'low-rank, rule' : 'low-rank, target';
}

/**
 * A run's size as shares of the full network's: a narrower dense net's own report counts against
 * itself (100%), so it is counted against the full-width dense params and MACs of a run of the
 * same seed.
 */
export function sizeKept(
  study: Pick<Study, 'runs'>,
  run: StudyRun,
): Pick<RunReport, 'paramsKeptPercent' | 'factorisedParamsKeptPercent' | 'macsKeptPercent'> {
  const { report } = run;
  if (report.baseline?.kind !== 'narrower-dense') return report;
  const full = study.runs.find(
    (other) => other.seed === run.seed && other.report.baseline?.kind !== 'narrower-dense',
  )?.report;
  if (!full) return report;
  const paramsKeptPercent = (100 * report.params.deployable) / full.params.dense;
  return {
    paramsKeptPercent,
    factorisedParamsKeptPercent: paramsKeptPercent,
    macsKeptPercent: (100 * report.macs.deployable) / full.macs.dense,
  };
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

const spreadOf = (values: number[]) => ({
  mean: mean(values),
  min: Math.min(...values),
  max: Math.max(...values),
});

/** One row per configuration, averaged over seeds, in the order the study ran them. */
export function studyRows(study: Study): StudyRow[] {
  const labels = [...new Set(study.runs.map((r) => r.label))];
  const denseBySeed = new Map(
    study.runs.filter((r) => r.label === 'dense').map((r) => [r.seed, r.report.testAccuracy]),
  );
  return labels.map((label) => {
    const runs = study.runs.filter((r) => r.label === label).sort((a, b) => a.seed - b.seed);
    const accuracies = runs.map((r) => 100 * r.report.testAccuracy);
    const validations = runs.flatMap((r) =>
      r.report.validationAccuracy === undefined ? [] : [100 * r.report.validationAccuracy],
    );
    const average = (pick: (report: RunReport) => number) => mean(runs.map((r) => pick(r.report)));
    const averageSize = (pick: (size: ReturnType<typeof sizeKept>) => number) =>
      mean(runs.map((r) => pick(sizeKept(study, r))));
    return {
      label,
      target: runs[0].target,
      seeds: runs.length,
      accuracy: spreadOf(accuracies),
      ...(validations.length === runs.length ? { validation: spreadOf(validations) } : {}),
      neverPruned: runs.filter((r) => r.report.pruningWindow === 'missed').length,
      pairedToDense: runs.flatMap((r) => {
        const dense = denseBySeed.get(r.seed);
        return dense === undefined ? [] : [100 * (r.report.testAccuracy - dense)];
      }),
      paramsKept: averageSize((r) => r.paramsKeptPercent),
      factorisedParamsKept: averageSize((r) => r.factorisedParamsKeptPercent),
      rankKept: average((r) => r.rankKeptPercent),
      macsKept: averageSize((r) => r.macsKeptPercent),
      seconds: average((r) => r.seconds),
    };
  });
}

const fixed = (value: number, digits = 1) => value.toFixed(digits);

const signed = (value: number) => `${value >= 0 ? '+' : ''}${fixed(value, 2)}`;

const meanWithRange = (spread: { mean: number; min: number; max: number }, seeds: number) =>
  `${fixed(spread.mean, 2)}%${seeds > 1 ? ` (${fixed(spread.min, 2)}-${fixed(spread.max, 2)})` : ''}`;

export function studyTable(study: Study): string {
  const rows = studyRows(study);
  const dense = rows.find((r) => r.label === 'dense');
  const withValidation = rows.some((r) => r.validation);
  const lines = [
    `| run |${withValidation ? ' validation accuracy |' : ''} test accuracy | vs dense | vs dense, per seed | params kept (deployable) | params kept (as U, s, V) | rank kept | MACs kept | seconds |`,
    `|---|${withValidation ? '---|' : ''}---|---|---|---|---|---|---|---|`,
    ...rows.map((row) => {
      const validation = withValidation
        ? ` ${row.validation ? meanWithRange(row.validation, row.seeds) : '–'} |`
        : '';
      // the mean paired difference: a row with fewer seeds than dense is compared on its own seeds
      const versus =
        dense && row !== dense
          ? signed(
              row.pairedToDense.length
                ? mean(row.pairedToDense)
                : row.accuracy.mean - dense.accuracy.mean,
            )
          : '-';
      const perSeed =
        row !== dense && row.pairedToDense.length ? row.pairedToDense.map(signed).join(', ') : '-';
      const missed = row.neverPruned ? ` (${row.neverPruned} of ${row.seeds} never pruned)` : '';
      return `| ${row.label}${missed} |${validation} ${meanWithRange(row.accuracy, row.seeds)} | ${versus} | ${perSeed} | ${fixed(row.paramsKept)}% | ${fixed(row.factorisedParamsKept)}% | ${fixed(row.rankKept)}% | ${fixed(row.macsKept)}% | ${fixed(row.seconds, 0)} |`;
    }),
  ];
  return lines.join('\n');
}

/** 'TF.js wasm', or the PyTorch twin's device ('pytorch-cpu', 'pytorch-cuda'). */
const backendName = (backend: string) =>
  backend.startsWith('pytorch')
    ? `the PyTorch twin on ${backend.slice(8) || 'cpu'}`
    : `TF.js ${backend}`;

export function studyMarkdown(study: Study, plotFile: string, heading = '##'): string {
  const seeds =
    study.seeds.length > 1
      ? `seeds ${study.seeds.join(', ')} (mean, range)`
      : `seed ${study.seeds[0]}`;
  const config = study.runs[0].report.config;
  // a preset studied at two sizes gets two sections: the heading tells them apart
  const size = /\bpx\b/.test(study.model) ? '' : ` at ${config.inputSize} px`;
  return [
    `${heading} ${study.model} on ${study.dataset.name}${size}`,
    '',
    `${study.dataset.trainCount} training / ${study.dataset.validationCount ? `${study.dataset.validationCount} validation / ` : ''}${study.dataset.testCount} test images at ${config.inputSize} px, ${config.epochs} epochs, batch ${config.batchSize}, ${config.schedule} schedule, learning rate ${config.learningRate}, ${seeds}; ${backendName(study.backend)}, ${study.createdAt.slice(0, 10)}.`,
    '',
    '```sh',
    ...study.command.split('\n'),
    '```',
    '',
    studyTable(study),
    '',
    ...(study.diverged?.length
      ? [
          `Diverged (the loss became NaN or infinite; no result, left out of the rows): ${study.diverged
            .map((d) => `${d.label}, seed ${d.seed}, at step ${d.step}`)
            .join('; ')}.`,
          '',
        ]
      : []),
    `![test accuracy against params kept](${plotFile})`,
    '',
  ].join('\n');
}

/**
 * Test accuracy against deployable params kept: every run as a point, a bar from the lowest to
 * the highest seed of each configuration, the target runs' means joined.
 */
export async function studyPlot(study: Study): Promise<string> {
  const points = study.runs.map((run) => ({
    run: runKind(run),
    label: run.label,
    paramsKept: sizeKept(study, run).paramsKeptPercent,
    accuracy: 100 * run.report.testAccuracy,
  }));
  const rows = studyRows(study);
  const means = rows
    .filter((row) => row.target !== null)
    .map((row) => ({ paramsKept: row.paramsKept, accuracy: row.accuracy.mean }));
  const kindOf = (label: string) => runKind(study.runs.find((run) => run.label === label)!);
  const bars = rows
    .filter((row) => row.seeds > 1)
    .map((row) => ({
      run: kindOf(row.label),
      paramsKept: row.paramsKept,
      low: row.accuracy.min,
      high: row.accuracy.max,
    }));
  const dense = rows.find((row) => row.label === 'dense');
  const colour = {
    field: 'run',
    type: 'nominal' as const,
    title: null,
    scale: { domain: [...RUN_KINDS], range: KIND_COLOURS },
  };
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${study.model} on ${study.dataset.name}`,
    width: 520,
    height: 320,
    background: 'white',
    layer: [
      ...(dense
        ? [
            {
              data: { values: [{ accuracy: dense.accuracy.mean }] },
              mark: { type: 'rule' as const, strokeDash: [6, 4], color: '#7a8699' },
              encoding: { y: { field: 'accuracy', type: 'quantitative' as const } },
            },
            {
              data: { values: [{ accuracy: dense.accuracy.mean, paramsKept: 2 }] },
              mark: {
                type: 'text' as const,
                align: 'left' as const,
                dy: -7,
                color: '#7a8699',
                text: 'dense, mean',
              },
              encoding: {
                x: { field: 'paramsKept', type: 'quantitative' as const },
                y: { field: 'accuracy', type: 'quantitative' as const },
              },
            },
          ]
        : []),
      {
        data: { values: means },
        mark: { type: 'line', color: '#2d4a8a' },
        encoding: {
          x: { field: 'paramsKept', type: 'quantitative' },
          y: { field: 'accuracy', type: 'quantitative' },
        },
      },
      {
        data: { values: bars },
        mark: { type: 'rule', strokeWidth: 1.5 },
        encoding: {
          x: { field: 'paramsKept', type: 'quantitative' },
          y: { field: 'low', type: 'quantitative' },
          y2: { field: 'high' },
          color: colour,
        },
      },
      {
        data: { values: points },
        mark: { type: 'point', filled: true, size: 70 },
        encoding: {
          x: {
            field: 'paramsKept',
            type: 'quantitative',
            title: 'params kept (deployable, % of dense)',
            scale: { domain: [0, 105] },
          },
          y: {
            field: 'accuracy',
            type: 'quantitative',
            title: 'test accuracy (%)',
            scale: { zero: false },
          },
          color: colour,
          shape: { field: 'run', type: 'nominal', title: null },
          tooltip: [{ field: 'label' }, { field: 'accuracy' }, { field: 'paramsKept' }],
        },
      },
    ],
  } as TopLevelSpec;
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
