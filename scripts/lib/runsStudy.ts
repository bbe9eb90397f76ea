// A study assembled from finished runs' reports (one folder a run, each with its report.json),
// e.g. the PyTorch twin's full-width runs: each run's label, seed and target read from its own
// report, so `npm run results` tables and plots them like a study's.
import type { ExperimentReport, RunReport } from './report';
import { RUN_KINDS, runKind, runLabels, type Study, type StudyRun } from './studyReport';

/** The label `npm run study` gives the same run ('dense', 'target 50%', 'post-hoc (target 50%)'). */
export function runLabel(report: RunReport): Pick<StudyRun, 'label' | 'target'> {
  const { config, baseline } = report;
  const target = runLabels.target(config.targetParamsKept);
  if (baseline) return { label: runLabels.baseline(baseline.kind, target), target: null };
  if (report.mode === 'dense') return { label: 'dense', target: null };
  if (config.targetParamsKept > 0) return { label: target, target: config.targetParamsKept };
  return { label: runLabels.rule(config.pruneThreshold, config.lambdaRank), target: null };
}

/** The runs in a study's order: dense, the targets from largest, the rule, then the baselines. */
function studyOrder(a: StudyRun, b: StudyRun): number {
  const kind = RUN_KINDS.indexOf(runKind(a)) - RUN_KINDS.indexOf(runKind(b));
  if (kind) return kind;
  return (b.target ?? 0) - (a.target ?? 0) || a.label.localeCompare(b.label) || a.seed - b.seed;
}

export function studyFromReports(
  name: string,
  command: string,
  reports: readonly ExperimentReport[],
): Study {
  if (!reports.length) throw new Error('no run reports to assemble');
  // a run stopped early (--stop-after-epochs) is not a result of the recipe
  const runs = reports
    .flatMap((report) => report.runs)
    .filter((report) => report.stoppedAfterEpochs === undefined)
    .map((report) => ({ ...runLabel(report), seed: report.config.seed, report }))
    .sort(studyOrder);
  // the same images: the same set, split the same way (class names are not in every report)
  const images = reports.map(({ dataset: { name, trainCount, testCount, validationCount } }) => ({
    name,
    trainCount,
    testCount,
    ...(validationCount ? { validationCount } : {}),
  }));
  if (new Set(images.map((d) => JSON.stringify(d))).size > 1)
    throw new Error('the runs were trained on different images: a study compares like with like');
  const [first] = reports;
  return {
    name,
    createdAt: reports
      .map((r) => r.createdAt)
      .sort()
      .at(-1)!,
    backend: first.backend,
    command,
    dataset: images[0],
    model: name,
    seeds: [...new Set(runs.map((r) => r.seed))].sort((a, b) => a - b),
    targets: [...new Set(runs.flatMap((r) => (r.target === null ? [] : [r.target])))],
    runs,
  };
}
