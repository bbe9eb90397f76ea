import { describe, expect, it } from 'vitest';
import { presetConfig } from '../../src/presets';
import type { ExperimentReport, RunReport } from './report';
import { runLabel, studyFromReports } from './runsStudy';
import { sizeKept, studyRows, studyTable } from './studyReport';

const images = { name: 'CIFAR-10', kind: 'cifar10', trainCount: 35, testCount: 10 };

function report(
  seed: number,
  accuracy: number,
  overrides: Partial<RunReport> & { target?: number } = {},
): ExperimentReport {
  const { target = 50, ...rest } = overrides;
  const run = {
    mode: 'lowrank',
    config: presetConfig('paper-recipe', { seed, targetParamsKept: target }),
    testAccuracy: accuracy,
    paramsKeptPercent: 50,
    factorisedParamsKeptPercent: 55,
    rankKeptPercent: 64,
    macsKeptPercent: 79,
    params: { dense: 1000, factorised: 550, deployable: 500 },
    macs: { dense: 10_000, factorised: 8000, deployable: 7900 },
    seconds: 60,
    ...rest,
  } as RunReport;
  return {
    createdAt: `2026-12-0${seed}T00:00:00Z`,
    backend: 'pytorch-cpu',
    dataset: { ...images, classNames: [] },
    model: 'paper-recipe',
    runs: [run],
  };
}

const dense = (seed: number, accuracy: number) =>
  report(seed, accuracy, {
    mode: 'dense',
    paramsKeptPercent: 100,
    params: { dense: 1000, factorised: 1000, deployable: 1000 },
  });
const narrower = (seed: number) =>
  report(seed, 0.8, {
    mode: 'dense',
    paramsKeptPercent: 100,
    baseline: { kind: 'narrower-dense', params: 502, width: 0.7 },
    params: { dense: 502, factorised: 502, deployable: 502 },
    macs: { dense: 5000, factorised: 5000, deployable: 5000 },
  });

describe('a study from finished runs', () => {
  it("labels each run from its own report, as npm run study's runs are labelled", () => {
    const label = (r: ExperimentReport) => runLabel(r.runs[0]);
    expect(label(dense(1, 0.8))).toEqual({ label: 'dense', target: null });
    expect(label(report(1, 0.8, { target: 30 }))).toEqual({ label: 'target 30%', target: 30 });
    expect(label(report(1, 0.8, { target: 0 })).label).toBe('rule (τ 0.1, λ_r 0.1)');
    expect(label(narrower(1)).label).toBe('dense, narrower (target 50%)');
    const fixed = report(1, 0.8, { baseline: { kind: 'fixed-ranks', ranks: [1] } });
    expect(label(fixed)).toEqual({ label: 'fixed ranks (target 50%)', target: null });
  });

  it('orders dense, targets, rule and baselines, and counts a narrower net against full width', () => {
    const study = studyFromReports('full-width', 'cmd', [
      narrower(1),
      report(2, 0.82),
      report(1, 0.83),
      dense(2, 0.8),
      report(1, 0.7, { target: 30 }),
      dense(1, 0.81),
      report(1, 0.6, { stoppedAfterEpochs: 5 }),
    ]);
    expect(study.runs.map((r) => `${r.label}/${r.seed}`)).toEqual([
      'dense/1',
      'dense/2',
      'target 50%/1',
      'target 50%/2',
      'target 30%/1',
      'dense, narrower (target 50%)/1',
    ]);
    expect(study).toMatchObject({ seeds: [1, 2], targets: [50, 30], backend: 'pytorch-cpu' });
    expect(study.dataset).toEqual({ name: 'CIFAR-10', trainCount: 35, testCount: 10 });
    const rows = studyRows(study);
    expect(rows.map((r) => r.label)).toEqual([
      'dense',
      'target 50%',
      'target 30%',
      'dense, narrower (target 50%)',
    ]);
    expect(rows[1].pairedToDense.map((d) => Math.round(d * 100) / 100)).toEqual([2, 2]);
    // 502 of the full-width net's 1,000 params, 5,000 of its 10,000 MACs
    const narrowRun = study.runs.at(-1)!;
    expect(sizeKept(study, narrowRun)).toEqual({
      paramsKeptPercent: 50.2,
      factorisedParamsKeptPercent: 50.2,
      macsKeptPercent: 50,
    });
    expect(rows[3].paramsKept).toBeCloseTo(50.2);
    // a run of one seed is compared with dense of its own seed, not with dense's mean
    expect(studyTable(study)).toContain('| target 30% | 70.00% | -11.00 | -11.00 |');
  });

  it('refuses runs on different images, and an empty folder', () => {
    const other = { ...dense(2, 0.8), dataset: { ...images, trainCount: 40, classNames: [] } };
    expect(() => studyFromReports('x', 'cmd', [dense(1, 0.8), other])).toThrow(/different images/);
    expect(() => studyFromReports('x', 'cmd', [])).toThrow(/no run reports/);
  });
});
