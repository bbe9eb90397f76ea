// One optimisation step over a set of parameters: loss -> gradients -> optimiser -> dispose.
// The caller's loss function returns named scalar parts; their sum is what is minimised.
import * as tf from '@tensorflow/tfjs';
import type { Optimiser } from '../lowrank/optimisers';

export interface TrainableParam {
  variable: tf.Variable;
  weightDecay: number;
}

/**
 * Minimises the sum of the parts returned by `lossParts` by one optimiser step. Returns each part
 * and the total as scalars the caller owns (read them back in batches, then dispose).
 */
export function trainStep<Part extends string>(
  lossParts: () => Record<Part, tf.Scalar>,
  params: readonly TrainableParam[],
  optimiser: Optimiser,
): Record<Part | 'total', tf.Scalar> {
  let kept = {} as Record<Part, tf.Scalar>;
  const { value, grads } = tf.variableGrads(
    () => {
      const parts = lossParts();
      kept = Object.fromEntries(
        Object.entries<tf.Scalar>(parts).map(([name, part]) => [name, tf.keep(part.clone())]),
      ) as Record<Part, tf.Scalar>;
      return tf.addN(Object.values<tf.Scalar>(parts)) as tf.Scalar;
    },
    params.map((p) => p.variable),
  );
  optimiser.apply(
    params.map(({ variable, weightDecay }) => ({
      variable,
      gradient: grads[variable.name],
      weightDecay,
    })),
  );
  tf.dispose(grads);
  return { ...kept, total: value };
}
