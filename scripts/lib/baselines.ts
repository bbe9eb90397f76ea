// Baselines at a low-rank run's deployable size, to compare like with like (the twin's
// python/lowrank_studio/baselines.py): a narrower dense network with about the run's deployable
// params, the factorised network held at the run's final ranks from its first step, and post-hoc
// compression (the dense run partway, its SVD truncated to those ranks, then fine-tuned).
import type { TrainConfig } from '../../src/config';
import { stageWidths } from '../../src/model/resnet';
import { postHocCheckpoint } from '../../src/train/postHoc';
import { denseParams } from '../../src/train/resources';
import type { Checkpoint } from '../../src/train/trainerState';
import type { RunReport } from './report';
import { runLabels } from './studyReport';

/** A narrower dense network must come this close to the low-rank run's deployable params. */
export const MATCH_TOLERANCE = 0.02;

/**
 * The width multiplier (0.0625 up to the config's, in steps of 0.001) whose dense network has the
 * params nearest `params`, and its params; widths that round to the same channels count once.
 */
export function narrowerWidth(
  config: TrainConfig,
  classes: number,
  params: number,
): { width: number; params: number } {
  let best = { width: 0, params: 0 };
  const seen = new Set<string>();
  for (let k = 625; k <= Math.round(config.widthMultiplier * 10_000); k += 10) {
    const width = k / 10_000;
    const channels = stageWidths({ ...config, widthMultiplier: width }).join(',');
    if (seen.has(channels)) continue;
    seen.add(channels);
    const count = denseParams({ ...config, widthMultiplier: width, mode: 'dense' }, classes);
    if (best.params === 0 || Math.abs(count - params) < Math.abs(best.params - params))
      best = { width, params: count };
  }
  if (Math.abs(best.params - params) > MATCH_TOLERANCE * params)
    throw new Error(
      `no width of ${config.architecture} comes within ${100 * MATCH_TOLERANCE}% of ${params} params (nearest: ${best.params} at width ${best.width})`,
    );
  return best;
}

/** The run's final rank of each layer, in the order of `layerNames`. */
export function rankPlan(run: Pick<RunReport, 'layers'>, layerNames: readonly string[]): number[] {
  const ranks = new Map(run.layers.map((layer) => [layer.name, layer.finalRank]));
  const missing = layerNames.filter((name) => !ranks.has(name));
  if (missing.length || ranks.size !== layerNames.length)
    throw new Error(
      `the report's layers do not match this network's (missing: ${missing.join(', ') || 'none'}): it is from another architecture`,
    );
  return layerNames.map((name) => ranks.get(name)!);
}

/** What a baseline run is, as its report records it. */
export type Baseline =
  | { kind: 'narrower-dense'; params: number; width: number }
  | { kind: 'fixed-ranks'; ranks: number[] }
  | { kind: 'post-hoc'; ranks: number[]; denseEpochs: number; denseSeconds: number };

/** The dense run of the same recipe and seed, stopped partway: where post-hoc starts. */
export interface DenseStart {
  checkpoint: Checkpoint;
  epochs: number;
  seconds: number;
}

/** The dense epochs post-hoc compression trains before its cut: half the recipe's (0: none). */
export const postHocDenseEpochs = (epochs: number) => Math.floor(epochs / 2);

export interface BaselineRun {
  label: string;
  config: TrainConfig;
  baseline: Baseline;
  /** where the run starts (post-hoc), else step 0 */
  startFrom?: Checkpoint;
}

/**
 * The baselines of a finished low-rank run: their labels, configs and what they hold; post-hoc
 * too when `dense` (its dense run's checkpoint partway) is given.
 */
export function baselinesOf(
  run: RunReport,
  label: string,
  classes: number,
  dense?: DenseStart,
): BaselineRun[] {
  const { width, params } = narrowerWidth(run.config, classes, run.params.deployable);
  const ranks = run.layers.map((layer) => layer.finalRank);
  const config = { ...run.config, pruning: false };
  const postHoc: BaselineRun[] = dense
    ? [
        {
          label: runLabels.baseline('post-hoc', label),
          config,
          baseline: {
            kind: 'post-hoc',
            ranks,
            denseEpochs: dense.epochs,
            denseSeconds: dense.seconds,
          },
          startFrom: postHocCheckpoint(
            dense.checkpoint,
            config,
            run.layers.map((layer) => ({ name: layer.name, rank: layer.finalRank })),
          ),
        },
      ]
    : [];
  return [
    {
      label: runLabels.baseline('narrower-dense', label),
      config: { ...run.config, mode: 'dense', widthMultiplier: width },
      baseline: { kind: 'narrower-dense', params, width },
    },
    {
      label: runLabels.baseline('fixed-ranks', label),
      config,
      baseline: { kind: 'fixed-ranks', ranks },
    },
    ...postHoc,
  ];
}
