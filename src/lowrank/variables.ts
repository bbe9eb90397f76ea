// tf.variable keeps its initial tensor alive as a separate counted tensor; every variable here is
// made through this helper so that the initial value is released and tensor counts stay flat.
import * as tf from '@tensorflow/tfjs';

/** A variable holding `initial`'s values; `initial` is disposed. */
export function adoptAsVariable(initial: tf.Tensor, name?: string, trainable = true): tf.Variable {
  const variable = tf.variable(initial, trainable, name);
  initial.dispose();
  return variable;
}
