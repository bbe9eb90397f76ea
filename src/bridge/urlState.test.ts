import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../config';
import { PRESET_LIMITS, presetConfig } from '../presets';
import { readUrlState, writeUrlState } from './urlState';

describe('URL state', () => {
  it('reads a preset, knobs, limits and a backend', () => {
    const state = readUrlState(
      '?preset=micro&lambdaRank=0.05&pruning=false&trainLimit=256&backend=webgl',
    );
    expect(state.preset).toBe('micro');
    expect(state.config.architecture).toBe('resnet8');
    expect(state.config.lambdaRank).toBe(0.05);
    expect(state.config.pruning).toBe(false);
    expect(state.limits).toEqual({ trainLimit: 256 });
    expect(state.backend).toBe('webgl');
    expect(state.problems).toEqual([]);
  });

  it('reports invalid values and keeps the defaults for them', () => {
    const state = readUrlState('?lambdaRank=NaN&preset=huge&trainLimit=-1');
    expect(state.config.lambdaRank).toBe(DEFAULT_CONFIG.lambdaRank);
    expect(state.problems).toHaveLength(3);
    expect(state.problems[0]).toContain("unknown preset 'huge'");
  });

  it("a preset's own limits stay implicit in the address", () => {
    const state = readUrlState('?preset=classroom');
    expect(state.limits).toEqual(PRESET_LIMITS.classroom);
    expect(writeUrlState(state)).toBe('?preset=classroom');
  });

  it('round-trips: writing then reading gives the same configuration', () => {
    const original = readUrlState('?preset=micro&lambdaOrth=2&rankTerm=l1-max&testLimit=64');
    const written = writeUrlState(original);
    expect(written).toBe('?preset=micro&lambdaOrth=2&rankTerm=l1-max&testLimit=64');
    expect(readUrlState(written).config).toEqual(original.config);
  });

  it('a first visit opens the classroom demo; a custom setup keeps its own link', () => {
    for (const search of ['', '?backend=wasm']) {
      const first = readUrlState(search);
      expect(first.preset).toBe('classroom');
      expect(first.config).toEqual(presetConfig('classroom'));
      expect(first.limits).toEqual(PRESET_LIMITS.classroom);
    }
    const custom = readUrlState('?preset=custom');
    expect(custom.preset).toBeNull();
    expect(custom.config).toEqual(DEFAULT_CONFIG);
    expect(writeUrlState(custom)).toBe('?preset=custom');
    // an older link with knobs but no preset still means those knobs on the defaults
    const knobs = readUrlState('?epochs=3&lambdaOrth=2');
    expect(knobs.preset).toBeNull();
    expect(knobs.config).toEqual({ ...DEFAULT_CONFIG, epochs: 3, lambdaOrth: 2 });
    expect(writeUrlState(knobs)).toBe('?preset=custom&epochs=3&lambdaOrth=2');
  });
});
