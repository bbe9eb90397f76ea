// Baselines at a low-rank run's deployable size, to compare like with like (the twin's
// python/lowrank_studio/baselines.py): a narrower dense network with about the run's deployable
// params, and the factorised network held at the run's final ranks from its first step.
import type { TrainConfig } from '../../src/config';
import { stageWidths } from '../../src/model/resnet';
import { denseParams } from '../../src/train/resources';
import type { RunReport } from './report';

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
  | { kind: 'fixed-ranks'; ranks: number[] };

/** The two baselines of a finished low-rank run: their labels, configs and what they hold. */
export function baselinesOf(
  run: RunReport,
  label: string,
  classes: number,
): { label: string; config: TrainConfig; baseline: Baseline }[] {
  const { width, params } = narrowerWidth(run.config, classes, run.params.deployable);
  return [
    {
      label: `dense, narrower (${label})`,
      config: { ...run.config, mode: 'dense', widthMultiplier: width },
      baseline: { kind: 'narrower-dense', params, width },
    },
    {
      label: `fixed ranks (${label})`,
      config: { ...run.config, pruning: false },
      baseline: { kind: 'fixed-ranks', ranks: run.layers.map((layer) => layer.finalRank) },
    },
  ];
}
