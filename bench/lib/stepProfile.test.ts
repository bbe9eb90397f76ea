import { describe, expect, it } from 'vitest';
import { otherKernels, profileTable, stepParts, type StepProfile } from './stepProfile';

const profile = (stepMs: number[], kernelMs: Record<string, number>): StepProfile => ({
  variant: 'dense',
  batchSize: 8,
  stepMs,
  kernelMs,
});

describe('step profile tables', () => {
  const one = profile([100, 110], { Conv2D: 80, Conv2DBackpropFilter: 60, Add: 20, Relu: 10 });
  const two = profile([60, 60], { Conv2D: 40, Conv2DBackpropFilter: 40, Add: 20, Relu: 10 });

  it('groups kernels per step and leaves the rest to JS and the engine', () => {
    const parts = stepParts(one);
    expect(parts.get('forward conv')).toBe(40);
    expect(parts.get('filter grad')).toBe(30);
    expect(parts.get('other kernels')).toBe(15);
    expect(parts.get('outside kernels (JS, engine)')).toBe(20);
    expect(otherKernels(one)).toEqual([
      ['Add', 10],
      ['Relu', 5],
    ]);
  });

  it('prints each part with its share and the speed-up of later columns', () => {
    const table = profileTable([
      { label: '1T', profile: one },
      { label: '2T', profile: two },
    ]);
    expect(table.split('\n')[0]).toBe('| part | 1T ms | 2T ms | 1T / 2T |');
    expect(table).toContain('| forward conv | 40 (36.4%) | 20 (33.3%) | 2.00x |');
    expect(table).toContain('| **step** | 110 (100.0%) | 60 (100.0%) | 1.83x |');
  });
});
