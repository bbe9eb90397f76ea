// Fade before cut (docs/method.md, "Pruning policy"): the directions a prune event will cut next
// are shrunk after every step, so that by the cut they hold almost nothing and removing them
// barely changes the network.
import * as tf from '@tensorflow/tfjs';
import { rankOf, type FactorisedLayer } from './factorised';

/** What is left of a fading direction's s when the next prune event cuts it. */
export const FADE_LEFT = 0.01;

export class Fading {
  /** per layer, a 0/1 mask over its directions, or null where none fades */
  private masks: (tf.Tensor1D | null)[] = [];

  /** Fades `indices[l]` of each layer from now on (replacing what faded before). */
  set(layers: readonly FactorisedLayer[], indices: readonly number[][]): void {
    this.dispose();
    this.masks = layers.map((layer, l) => {
      const fading = indices[l] ?? [];
      if (fading.length === 0) return null;
      const mask = new Float32Array(rankOf(layer));
      for (const i of fading) mask[i] = 1;
      return tf.tensor1d(mask);
    });
  }

  /** Multiplies the fading s by the factor that takes them to FADE_LEFT in `steps` steps. */
  apply(layers: readonly FactorisedLayer[], steps: number): void {
    if (!this.masks.some((mask) => mask !== null)) return;
    const factor = FADE_LEFT ** (1 / Math.max(1, steps));
    layers.forEach((layer, l) => {
      const mask = this.masks[l];
      if (!mask) return;
      // s * (1 - mask * (1 - factor)): fading entries times the factor, the others unchanged
      const faded = tf.tidy(() => tf.mul(layer.s, tf.sub(1, tf.mul(mask, 1 - factor))));
      layer.s.assign(faded);
      faded.dispose();
    });
  }

  dispose(): void {
    tf.dispose(this.masks.filter((mask): mask is tf.Tensor1D => mask !== null));
    this.masks = [];
  }
}
