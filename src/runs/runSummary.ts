// What the runs table shows of a run, and the small picture the overlay charts draw, both read
// once from its log when the run is saved: the table and the overlays never parse a whole log.
import { downsample } from '../components/charts/downsample';
import type { RunLog } from '../runLog';
import type { StepSeries } from '../protocol';

export interface RunSummary {
  /** 0-1 on the test set: the last whole-test-set evaluation, else the last epoch's (no validation) */
  testAccuracy: number | null;
  /** 0-1 on the held-out validation images, the last epoch's, where the run held some out */
  validationAccuracy: number | null;
  /** deployable params and MACs as a share of dense (0-1), at the run's end */
  paramsKept: number;
  macsKept: number;
  rankKept: number;
  lastStep: number;
  epochs: number;
  /** training time: every step's wall time summed */
  seconds: number;
  /** e.g. "Low-rank studio (TF.js 4.22.0, wasm)" or "lowrank_studio 0.1 (PyTorch 1.13.1), cuda" */
  device: string;
}

export type Point = { x: number; y: number };

/** Each overlay chart's points, x in steps; at most DIGEST_POINTS a series. */
export interface RunDigest {
  stepsPerEpoch: number;
  crossEntropy: Point[];
  trainAccuracy: Point[];
  /** per epoch, on validation images where the run held some out, else on the test set */
  evalAccuracy: Point[];
  paramsKept: Point[];
  rankKept: Point[];
}

/** Points kept per series: the overlays draw about this many whatever a run's length. */
export const DIGEST_POINTS = 400;

/** The step records' values of one field, thinned to at most DIGEST_POINTS (min and max kept). */
function stepPoints(series: StepSeries | undefined, field: 'crossEntropy' | 'trainAccuracy') {
  if (!series) return [];
  const points: Point[] = [];
  for (let i = 0; i < series.step.length; i++)
    if (Number.isFinite(series[field][i])) points.push({ x: series.step[i], y: series[field][i] });
  return downsample(points, (p) => p.y, DIGEST_POINTS);
}

/** Training seconds: each record's step time over the steps since the record before it. */
function trainingSeconds(series: StepSeries | undefined): number {
  if (!series) return 0;
  let ms = 0;
  let previous = 0;
  for (let i = 0; i < series.step.length; i++) {
    const stepMs = series.stepMs[i];
    if (Number.isFinite(stepMs)) ms += stepMs * Math.max(1, series.step[i] - previous);
    previous = series.step[i];
  }
  return ms / 1000;
}

/** The table's summary and the overlays' digest of the main run of a log. */
export function summariseRun(log: RunLog): { summary: RunSummary; digest: RunDigest } {
  const { header, history } = log;
  const validation = Boolean(header.dataset.validationCount);
  const steps = history.steps.main;
  let testAccuracy: number | null = null;
  let validationAccuracy: number | null = null;
  let epochs = 0;
  const evalAccuracy: Point[] = [];
  const sizes: { step: number; paramsKept: number; macsKept: number; rankKept: number }[] = [];
  for (const event of history.events) {
    if ('run' in event && event.run === 'baseline') continue;
    if (event.type === 'epoch') {
      const { summary } = event;
      epochs = Math.max(epochs, summary.epoch);
      evalAccuracy.push({ x: summary.step, y: summary.testAccuracy });
      // a validated run's epochs are on its validation images; its test figure is an evaluation
      if (validation) validationAccuracy = summary.testAccuracy;
      else testAccuracy = summary.testAccuracy;
      sizes.push({ step: summary.step, ...summary.size });
    } else if (event.type === 'pruned') sizes.push({ step: event.step, ...event.size });
    else if (event.type === 'evaluation' && event.scope === 'full')
      testAccuracy = event.testAccuracy;
  }
  sizes.sort((a, b) => a.step - b.step);
  const last = sizes.at(-1);
  const lastStep = Math.max(log.lastStep, steps?.step.at(-1) ?? 0);
  const device = header.world ? `${header.producer}, ${header.world.device}` : header.producer;
  const atFullSize = { step: 0, paramsKept: 1, macsKept: 1, rankKept: 1 };
  const sizePoints = [atFullSize, ...sizes];
  return {
    summary: {
      testAccuracy,
      validationAccuracy,
      paramsKept: last?.paramsKept ?? 1,
      macsKept: last?.macsKept ?? 1,
      rankKept: last?.rankKept ?? 1,
      lastStep,
      epochs,
      seconds: trainingSeconds(steps),
      device,
    },
    digest: {
      stepsPerEpoch: header.stepsPerEpoch,
      crossEntropy: stepPoints(steps, 'crossEntropy'),
      trainAccuracy: stepPoints(steps, 'trainAccuracy'),
      evalAccuracy: downsample(evalAccuracy, (p) => p.y, DIGEST_POINTS),
      paramsKept: downsample(
        sizePoints.map((s) => ({ x: s.step, y: s.paramsKept })),
        (p) => p.y,
        DIGEST_POINTS,
      ),
      rankKept: downsample(
        sizePoints.map((s) => ({ x: s.step, y: s.rankKept })),
        (p) => p.y,
        DIGEST_POINTS,
      ),
    },
  };
}
