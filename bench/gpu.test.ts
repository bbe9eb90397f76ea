import { describe, expect, it } from 'vitest';
import { gpuBenchItems } from './gpu';

describe('the GPU benchmark plan', () => {
  it('trains every variant at every batch size, then times the exported models', () => {
    const items = gpuBenchItems([128, 512]);
    expect(items.filter((i) => i.kind === 'training')).toHaveLength(8);
    expect(items.filter((i) => i.kind === 'training' && i.batchSize === 512).map((i) => i.variant)).toEqual([
      'dense',
      'full',
      'rank50',
      'rank25',
    ]);
    expect(items.filter((i) => i.kind === 'inference')).toHaveLength(4);
  });
});
