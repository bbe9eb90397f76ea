// The post-hoc baseline's starting point (docs/method.md, "Baselines at equal size"): a dense run
// stopped partway through the recipe, each factorised layer's kernel replaced by the leading
// directions of its SVD at the low-rank run's rank. Fine-tuning continues from the dense run's
// step and place in its image order, so the two halves together take the recipe's epochs; the
// ranks are held (no pruning) and the optimiser starts afresh (momentum of a kernel means
// nothing to its new factors). The twin's counterpart: python/lowrank_studio/baselines.py.
import type { TrainConfig } from '../config';
import { freshPolicyState } from '../lowrank/pruningPolicy';
import { leadingFactors } from '../lowrank/svd';
import type { Checkpoint } from './trainerState';

type Variable = Checkpoint['variables'][number];

/** A factorised layer by its name in the network (stage1/block1/conv1, classifier), at a rank. */
export interface LayerRank {
  name: string;
  rank: number;
}

/** A kernel [k, k, Cin, Cout] or [in, out] as the matrix the layer factorises. */
function kernelMatrix(kernel: Variable): { rows: number; cols: number } {
  const cols = kernel.shape[kernel.shape.length - 1];
  return { rows: kernel.values.length / cols, cols };
}

/** `dense`'s variables with each layer's kernel as U, s and V truncated to the layer's rank. */
export function truncatedVariables(
  dense: readonly Variable[],
  layers: readonly LayerRank[],
): Variable[] {
  const byName = new Map(dense.map((v) => [v.name, v]));
  const factors = layers.flatMap(({ name, rank }) => {
    const kernel = byName.get(`${name}/kernel`);
    if (!kernel)
      throw new Error(`the dense checkpoint has no ${name}/kernel: it is of another network`);
    byName.delete(kernel.name);
    const { rows, cols } = kernelMatrix(kernel);
    if (!Number.isInteger(rank) || rank < 1 || rank > Math.min(rows, cols))
      throw new Error(`rank ${rank} does not fit ${name} (${rows}x${cols})`);
    const { U, s, V } = leadingFactors(rows, cols, kernel.values, rank);
    return [
      { name: `${name}/U`, shape: [rows, rank], values: U },
      { name: `${name}/s`, shape: [rank], values: s },
      { name: `${name}/V`, shape: [cols, rank], values: V },
    ];
  });
  return [...byName.values(), ...factors];
}

/**
 * The checkpoint a post-hoc run restores: `dense` (a checkpoint of a dense run of the same recipe,
 * seed and images) truncated to `layers`' ranks, under `config` (the low-rank recipe) with
 * pruning off and a fresh optimiser and pruning policy.
 */
export function postHocCheckpoint(
  dense: Checkpoint,
  config: TrainConfig,
  layers: readonly LayerRank[],
): Checkpoint {
  // the twin's start_post_hoc checks the same fields: the fine-tuning half continues the dense
  // run's schedule, so its learning rate must be the one the dense half began
  const same = [
    'architecture',
    'widthMultiplier',
    'inputSize',
    'epochs',
    'batchSize',
    'seed',
    'schedule',
    'learningRate',
  ];
  const differ = same.filter(
    (key) => dense.config[key as keyof TrainConfig] !== config[key as keyof TrainConfig],
  );
  if (dense.config.mode !== 'dense' || differ.length)
    throw new Error(
      `the post-hoc run needs a dense run of the same recipe (${differ.join(', ') || 'mode'} differ)`,
    );
  return {
    ...dense,
    config: { ...config, mode: 'lowrank', pruning: false, maxRank: 0 },
    variables: truncatedVariables(dense.variables, layers),
    optimiser: { ...dense.optimiser, slots: [] },
    pruningPolicy: freshPolicyState(),
  };
}
