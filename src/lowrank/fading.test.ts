import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createFactorisedConv, disposeLayer } from './factorised';
import { FADE_LEFT, Fading } from './fading';

describe('fade before cut', () => {
  it('takes the fading directions to 1% in the given steps and leaves the others alone', () => {
    const layer = createFactorisedConv(
      { name: 'fade', kernelSize: 3, inChannels: 2, outChannels: 4 },
      { seed: 2 },
    );
    const before = Array.from(layer.s.dataSync());
    const fading = new Fading();
    fading.set([layer], [[1, 3]]);
    const tensors = tf.memory().numTensors;
    for (let step = 0; step < 10; step++) fading.apply([layer], 10);
    expect(tf.memory().numTensors).toBe(tensors);
    const after = Array.from(layer.s.dataSync());
    expect(after[0]).toBeCloseTo(before[0], 6);
    expect(after[2]).toBeCloseTo(before[2], 6);
    expect(after[1]).toBeCloseTo(before[1] * FADE_LEFT, 6);
    expect(after[3]).toBeCloseTo(before[3] * FADE_LEFT, 6);
    fading.set([layer], []);
    fading.apply([layer], 10);
    expect(Array.from(layer.s.dataSync())).toEqual(after);
    fading.dispose();
    disposeLayer(layer);
  });
});
