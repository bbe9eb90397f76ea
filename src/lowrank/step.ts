// One optimisation step over a set of parameters: loss -> gradients -> optimiser -> dispose.
// The caller's function returns named scalar losses (their sum is minimised) and, optionally,
// other tensors to keep (e.g. the count of correct predictions) computed in the same pass.
import * as tf from '@tensorflow/tfjs';
import type { Optimiser } from './optimisers';

export interface TrainableParam {
  variable: tf.Variable;
  weightDecay: number;
}

export interface StepOutputs<Loss extends string, Metric extends string> {
  losses: Record<Loss, tf.Scalar>;
  metrics?: Record<Metric, tf.Tensor>;
}

/**
 * Minimises the sum of the losses by one optimiser step. Returns each loss, their total and the
 * metrics as tensors the caller owns (read them back in batches, then dispose).
 */
export function trainStep<Loss extends string, Metric extends string = never>(
  compute: () => StepOutputs<Loss, Metric>,
  params: readonly TrainableParam[],
  optimiser: Optimiser,
): { losses: Record<Loss | 'total', tf.Scalar>; metrics: Record<Metric, tf.Tensor> } {
  let losses = {} as Record<Loss, tf.Scalar>;
  let metrics = {} as Record<Metric, tf.Tensor>;
  const keepAll = <T extends tf.Tensor>(record: Record<string, T>) =>
    Object.fromEntries(Object.entries(record).map(([name, t]) => [name, tf.keep(t.clone())]));
  const { value, grads } = tf.variableGrads(
    () => {
      const outputs = compute();
      losses = keepAll(outputs.losses) as Record<Loss, tf.Scalar>;
      metrics = keepAll(outputs.metrics ?? {}) as Record<Metric, tf.Tensor>;
      return tf.addN(Object.values<tf.Scalar>(outputs.losses)) as tf.Scalar;
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
  return { losses: { ...losses, total: value }, metrics };
}
