import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { presetConfig } from '../src/presets';
import type { RunReport } from './lib/report';
import { readRunFiles, tagSteps } from './lib/runFiles';
import {
  mergeStudies,
  runKind,
  studyPlot,
  studyMarkdown,
  studyRows,
  studyTable,
  type Study,
} from './lib/studyReport';
import { replaceStudies } from './results-page';
import { DivergedError } from './lib/runJob';
import { parseStudyArgs, RULE_LAMBDA_RANK, runFolder, studyPlan, unlessDiverged } from './study';

const run = (label: string, seed: number, accuracy: number, paramsKept: number) => ({
  label,
  seed,
  target: label.startsWith('target') ? Number(/\d+/.exec(label)![0]) : null,
  report: {
    testAccuracy: accuracy,
    paramsKeptPercent: paramsKept,
    factorisedParamsKeptPercent: paramsKept + 2,
    rankKeptPercent: paramsKept + 5,
    macsKeptPercent: paramsKept + 10,
    seconds: 10,
    config: presetConfig('micro'),
    params: { dense: 1000, factorised: 1000, deployable: 10 * paramsKept },
    macs: { dense: 5000, factorised: 5000, deployable: 50 * paramsKept },
  } as RunReport,
});

const study = (seed: number, createdAt: string): Study => ({
  name: 'micro',
  createdAt,
  backend: 'wasm',
  command: `npm run study -- --seeds ${seed}`,
  dataset: { name: 'CIFAR-10', trainCount: 100, testCount: 50 },
  model: 'micro',
  seeds: [seed],
  targets: [50],
  runs: [run('dense', seed, 0.5 + seed / 100, 100), run('target 50%', seed, 0.48, 49.5)],
});

describe('study options and plan', () => {
  it('takes its own flags and leaves the experiment flags', () => {
    const options = parseStudyArgs([
      '--data',
      'builtin',
      '--targets',
      '60,30',
      '--seeds',
      '1,2',
      '--no-rule',
    ]);
    expect(options).toEqual({
      targets: [60, 30],
      seeds: [1, 2],
      rule: false,
      baselines: null,
      sweeps: [],
      rest: ['--data', 'builtin'],
    });
    expect(() => parseStudyArgs(['--targets', '5'])).toThrow(
      /--targets needs a comma-separated list/,
    );
    expect(() => parseStudyArgs(['--mode', 'dense'])).toThrow(/not a study option/);
    expect(parseStudyArgs(['--targets', 'none', '--seeds', '2'])).toMatchObject({
      targets: [],
      seeds: [2],
    });
    expect(() => parseStudyArgs(['--targets', 'none', '--no-rule'])).toThrow(/leave only dense/);
  });

  it('asks for the target whose baselines it runs', () => {
    expect(parseStudyArgs(['--targets', '50,30', '--baselines', '30']).baselines).toBe(30);
    expect(() => parseStudyArgs(['--targets', '50', '--baselines', '30'])).toThrow(
      /--baselines 30 needs a target-30 run/,
    );
  });

  it('reads a sweep of one setting and refuses one it cannot run', () => {
    expect(parseStudyArgs(['--sweep', 'min-rank=2,4']).sweeps).toEqual([
      { knob: 'minRank', values: [2, 4] },
    ]);
    expect(parseStudyArgs(['--sweep', 'schedule=step', '--sweep', 'lambda-orth=0']).sweeps).toEqual(
      [
        { knob: 'schedule', values: ['step'] },
        { knob: 'lambdaOrth', values: [0] },
      ],
    );
    expect(() => parseStudyArgs(['--sweep', 'min-rank'])).toThrow(/a setting and its values/);
    expect(() => parseStudyArgs(['--sweep', 'no-such=1'])).toThrow(/a setting and its values/);
    expect(() => parseStudyArgs(['--sweep', 'min-rank=1,0'])).toThrow(/--sweep min-rank: /);
    expect(() => parseStudyArgs(['--sweep', 'min-rank=1,2', '--baselines', '50'])).toThrow(
      /do not go together/,
    );
  });

  it('repeats the low-rank runs for each value that differs from the recipe, dense once', () => {
    const plan = studyPlan(presetConfig('micro'), {
      targets: [30],
      seeds: [1, 2],
      rule: false,
      sweeps: [
        { knob: 'minRank', values: [1, 4] },
        { knob: 'lambdaOrth', values: [0] },
      ],
    });
    expect(plan.map((p) => `${p.seed} ${p.label}`)).toEqual([
      '1 dense',
      '1 target 30%',
      '1 target 30%, minRank 4',
      '1 target 30%, lambdaOrth 0',
      '2 dense',
      '2 target 30%',
      '2 target 30%, minRank 4',
      '2 target 30%, lambdaOrth 0',
    ]);
    expect(plan.map((p) => p.config.minRank)).toEqual([1, 1, 4, 1, 1, 1, 4, 1]);
    expect(plan.map((p) => p.config.lambdaOrth)).toEqual([1, 1, 1, 0, 1, 1, 1, 0]);
    expect(plan.map((p) => p.config.seed)).toEqual([1, 1, 1, 1, 2, 2, 2, 2]);
    expect(runFolder(1, plan[2].label)).toBe(join('runs', 'seed-1', 'target-30-minrank-4'));
    const rules = studyPlan(presetConfig('micro', { lambdaRank: 1 }), {
      targets: [],
      seeds: [1],
      rule: true,
      sweeps: [
        { knob: 'pruneThreshold', values: [0.5] },
        { knob: 'minRank', values: [2] },
      ],
    });
    expect(rules.map((p) => p.label)).toEqual([
      'dense',
      'rule (τ 0.1, λ_r 1)',
      'rule (τ 0.5, λ_r 1)',
      'rule (τ 0.1, λ_r 1), minRank 2',
    ]);
    expect(runFolder(1, 'rule (τ 0.1, λ_r 0.3), minRank 2')).toBe(
      join('runs', 'seed-1', 'rule-t0.1-l0.3-minrank-2'),
    );
  });

  it("names each run's folder for its seed and configuration", () => {
    expect(runFolder(2, 'rule (τ 0.1, λ_r 0.3)')).toBe(join('runs', 'seed-2', 'rule-t0.1-l0.3'));
    expect(runFolder(1, 'target 70%')).toBe(join('runs', 'seed-1', 'target-70'));
    expect(runFolder(1, 'fixed ranks (target 50%)')).toBe(
      join('runs', 'seed-1', 'fixed-ranks-target-50'),
    );
  });

  it('runs dense, the rule and each target with the same recipe and seed', () => {
    const plan = studyPlan(presetConfig('micro'), { targets: [70, 30], seeds: [3], rule: true });
    expect(plan.map((p) => p.label)).toEqual([
      'dense',
      'rule (τ 0.1, λ_r 0.3)',
      'target 70%',
      'target 30%',
    ]);
    expect(plan.map((p) => p.config.mode)).toEqual(['dense', 'lowrank', 'lowrank', 'lowrank']);
    expect(plan.map((p) => p.config.targetParamsKept)).toEqual([
      presetConfig('micro').targetParamsKept,
      0,
      70,
      30,
    ]);
    expect(new Set(plan.map((p) => p.config.seed))).toEqual(new Set([3]));
    expect(new Set(plan.map((p) => p.config.learningRate)).size).toBe(1);
    // the preset leaves the rank term to the target schedule; the rule run needs one
    expect(plan.map((p) => p.config.lambdaRank)).toEqual([0, RULE_LAMBDA_RANK, 0, 0]);
    const withRankTerm = studyPlan(presetConfig('micro', { lambdaRank: 0.05 }), {
      targets: [],
      seeds: [1],
      rule: true,
    });
    expect(withRankTerm[1].config.lambdaRank).toBe(0.05);
  });
});

describe('study report', () => {
  it('merges seeds run apart and averages them per configuration', () => {
    const merged = mergeStudies([study(2, '2026-01-02'), study(1, '2026-01-01')]);
    expect(merged.seeds).toEqual([1, 2]);
    const rows = studyRows(merged);
    expect(rows.map((r) => r.label)).toEqual(['dense', 'target 50%']);
    expect(rows[0].accuracy).toEqual({ mean: 51.5, min: 51, max: 52 });
    expect(rows[1].paramsKept).toBeCloseTo(49.5);
    const table = studyTable(merged);
    // paired with dense of the same seed: 48 - 51 and 48 - 52
    expect(rows[1].pairedToDense.map((d) => Math.round(d * 100) / 100)).toEqual([-3, -4]);
    expect(table).toContain(
      '| target 50% | 48.00% (48.00-48.00) | -3.50 | -3.00, -4.00 | 49.5% | 51.5% | 54.5% | 59.5% | 10 |',
    );
    expect(table).not.toContain('validation');
  });

  it('shows validation accuracy beside test where the runs held a split out', () => {
    const record = study(1, '2026-01-01');
    record.runs[0].report.validationAccuracy = 0.6;
    record.runs[1].report.validationAccuracy = 0.55;
    const table = studyTable(record);
    expect(table).toContain('| run | validation accuracy | test accuracy |');
    expect(table).toContain('| target 50% | 55.00% | 48.00% | -3.00 | -3.00 |');
  });

  it('heads each study with its preset, data and pixel size, unless the name says it', () => {
    const record = study(1, '2026-01-01');
    expect(studyMarkdown(record, 'plot.svg').split('\n')[0]).toBe('## micro on CIFAR-10 at 16 px');
    record.model = 'ResNet-20 (width 1, 32 px)';
    expect(studyMarkdown(record, 'plot.svg', '###').split('\n')[0]).toBe(
      '### ResNet-20 (width 1, 32 px) on CIFAR-10',
    );
  });

  it('records a run that diverges and goes on; any other error stops the study', async () => {
    const diverged: { label: string; seed: number; step: number }[] = [];
    const job = { label: 'target 50%', seed: 3 };
    const blowUp = () => Promise.reject(new DivergedError(959, presetConfig('micro')));
    await expect(unlessDiverged(blowUp, job, diverged)).resolves.toBeNull();
    expect(diverged).toEqual([{ label: 'target 50%', seed: 3, step: 959 }]);
    await expect(unlessDiverged(() => Promise.resolve(7), job, diverged)).resolves.toBe(7);
    const broken = () => Promise.reject(new Error('disk full'));
    await expect(unlessDiverged(broken, job, diverged)).rejects.toThrow('disk full');
    expect(diverged).toHaveLength(1);
  });

  it('names the runs that diverged under the table and leaves them out of the rows', () => {
    const failed = {
      ...study(2, '2026-01-02'),
      diverged: [{ label: 'rule (τ 0.3, λ_r 1)', seed: 2, step: 959 }],
    };
    const merged = mergeStudies([study(1, '2026-01-01'), failed]);
    expect(merged.diverged).toEqual(failed.diverged);
    expect(studyRows(merged).map((r) => r.label)).toEqual(['dense', 'target 50%']);
    expect(studyMarkdown(merged, 'plot.svg')).toContain(
      'Diverged (the loss became NaN or infinite; no result, left out of the rows): rule (τ 0.3, λ_r 1), seed 2, at step 959.',
    );
    expect(studyMarkdown(study(1, '2026-01-01'), 'plot.svg')).not.toContain('Diverged');
  });

  it('draws test accuracy against params kept as an SVG', async () => {
    const svg = await studyPlot(mergeStudies([study(1, '2026-01-01')]));
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('params kept (deployable, % of dense)');
    expect(svg).toContain('test accuracy (%)');
  });

  it('names each baseline in the legend and draws a bar over the seeds of each configuration', async () => {
    const withBaselines = (seed: number): Study => {
      const record = study(seed, `2026-01-0${seed}`);
      const baseline = (label: string, kind: string, accuracy: number) => {
        const entry = run(label, seed, accuracy, 49.6);
        entry.report.baseline = { kind } as RunReport['baseline'];
        return entry;
      };
      record.runs.push(
        baseline('dense, narrower (target 50%)', 'narrower-dense', 0.45 + seed / 100),
        baseline('fixed ranks (target 50%)', 'fixed-ranks', 0.46),
        baseline('post-hoc (target 50%)', 'post-hoc', 0.47),
      );
      return record;
    };
    const merged = mergeStudies([withBaselines(1), withBaselines(2)]);
    expect(merged.runs.map(runKind)).toEqual([
      'dense',
      'low-rank, target',
      'dense, narrower',
      'fixed ranks',
      'post-hoc',
      ...['dense', 'low-rank, target', 'dense, narrower', 'fixed ranks', 'post-hoc'],
    ]);
    const svg = await studyPlot(merged);
    for (const name of ['dense, narrower', 'fixed ranks', 'post-hoc', 'low-rank, target'])
      expect(svg).toContain(`>${name}</text>`);
    // one bar from the lowest to the highest seed for each of the five configurations
    expect(svg.match(/aria-label="paramsKept: [\d.]+; low: [\d.]+; high: [\d.]+/g)).toHaveLength(5);
    expect(svg).toContain('low: 51; high: 52; run: dense');
  });

  it('rewrites only the measured part of the results page', () => {
    const page = 'intro\n<!-- studies:start -->\nold\n<!-- studies:end -->\noutro\n';
    expect(replaceStudies(page, 'new\n')).toBe(
      'intro\n<!-- studies:start -->\n\nnew\n\n<!-- studies:end -->\noutro\n',
    );
    expect(() => replaceStudies('no markers', 'x')).toThrow(/markers/);
    const lead = '<!-- full-width:start -->\n<!-- full-width:end -->\n' + page;
    expect(replaceStudies(lead, 'top\n', 'full-width')).toBe(
      `<!-- full-width:start -->\n\ntop\n\n<!-- full-width:end -->\n${page}`,
    );
  });
});

describe('npm run study', () => {
  it('trains every configuration and writes the record, the table and the plot', () => {
    const out = mkdtempSync(join(tmpdir(), 'study-'));
    // the loss gate off: a two-epoch run would not open it
    const args = ['--data', 'builtin', '--model', 'micro', '--epochs', '2', '--batch-size', '32'];
    args.push('--prune-loss-drop', '0');
    const limits = ['--train-limit', '64', '--test-limit', '32', '--targets', '50', '--out', out];
    execFileSync(
      'npx',
      ['tsx', 'scripts/study.ts', ...args, ...limits, '--no-rule', '--baselines', '50'],
      { stdio: 'pipe' },
    );
    expect(readdirSync(out).sort()).toEqual([
      'accuracy-vs-params.svg',
      'results.md',
      'runs',
      'study-1.json',
    ]);
    expect(readdirSync(join(out, 'runs', 'seed-1')).sort()).toEqual([
      'dense',
      'dense-narrower-target-50',
      'fixed-ranks-target-50',
      'post-hoc-target-50',
      'target-50',
    ]);
    for (const run of readdirSync(join(out, 'runs', 'seed-1'))) {
      const { log, events } = readRunFiles(join(out, 'runs', 'seed-1', run));
      const steps = Array.from(log.history.steps.main!.step);
      // post-hoc trains the second epoch only, after the dense run's first
      expect(steps).toEqual(run.startsWith('post-hoc') ? [3, 4] : [1, 2, 3, 4]);
      expect(tagSteps(events, 'loss/total')).toEqual(steps);
    }
    const record = JSON.parse(readFileSync(join(out, 'study-1.json'), 'utf8')) as Study;
    expect(record.runs.map((r) => r.label)).toEqual([
      'dense',
      'target 50%',
      'dense, narrower (target 50%)',
      'fixed ranks (target 50%)',
      'post-hoc (target 50%)',
    ]);
    const [dense, lowrank, narrower, fixed, postHoc] = record.runs.map((r) => r.report);
    // the baselines are of the low-rank run's deployable size
    expect(Math.abs(narrower.params.dense / lowrank.params.deployable - 1)).toBeLessThan(0.02);
    expect(narrower.config.widthMultiplier).toBeLessThan(lowrank.config.widthMultiplier);
    expect(fixed.layers.map((l) => l.initialRank)).toEqual(lowrank.layers.map((l) => l.finalRank));
    expect(fixed.layers.map((l) => l.finalRank)).toEqual(lowrank.layers.map((l) => l.finalRank));
    expect(fixed.baseline?.kind).toBe('fixed-ranks');
    // post-hoc: the dense run's first epoch, cut to the same ranks, fine-tuned for the second
    expect(postHoc.baseline).toMatchObject({ kind: 'post-hoc', denseEpochs: 1 });
    expect(postHoc.layers.map((l) => l.initialRank)).toEqual(
      lowrank.layers.map((l) => l.finalRank),
    );
    expect(postHoc.params.deployable).toBe(lowrank.params.deployable);
    expect(postHoc.history.map((h) => h.epoch)).toEqual([2]);
    // its time includes the dense epochs it started from
    const { denseSeconds } = postHoc.baseline as { denseSeconds: number };
    expect(denseSeconds).toBeGreaterThan(0);
    expect(denseSeconds).toBeLessThan(dense.seconds);
    expect(postHoc.seconds).toBeGreaterThan(denseSeconds);
    expect(readFileSync(join(out, 'results.md'), 'utf8')).toContain('| target 50% |');
  }, 120_000);
});
