import { describe, expect, it } from 'vitest';
import { configProblems, DEFAULT_CONFIG, knobError, parseKnob, validateConfig } from './config';

describe('the knob table', () => {
  it('a knob with an off value takes it, or a value in its range', () => {
    expect(knobError('targetParamsKept', 0)).toBeNull();
    expect(knobError('targetParamsKept', 35)).toBeNull();
    expect(knobError('targetParamsKept', 5)).toBe(
      'targetParamsKept must be between 10 and 90 (or 0: off), got 5',
    );
    expect(parseKnob('targetParamsKept', '0')).toBe(0);
    expect(() => parseKnob('targetParamsKept', '95')).toThrow(/between 10 and 90/);
  });

  it('finds settings that contradict one another', () => {
    expect(configProblems(DEFAULT_CONFIG)).toEqual([]);
    expect(configProblems({ ...DEFAULT_CONFIG, pruneStart: 0.6, pruneEnd: 0.9 })).toEqual([
      'pruneStart (0.6) is after the end of the pruning window (0.5, the first learning-rate decay): nothing would be pruned',
    ]);
    expect(configProblems({ ...DEFAULT_CONFIG, pruning: false, pruneStart: 0.6 })).toEqual([]);
    expect(configProblems({ ...DEFAULT_CONFIG, minRank: 8, maxRank: 4 })).toEqual([
      'minRank (8) is above maxRank (4)',
    ]);
    expect(configProblems({ ...DEFAULT_CONFIG, minRank: 8, maxRank: 0 })).toEqual([]);
  });

  it('an empty value is not zero', () => {
    expect(() => parseKnob('lambdaRank', '')).toThrow('lambdaRank needs a value');
    expect(() => parseKnob('pruneThreshold', '  ')).toThrow('pruneThreshold needs a value');
  });

  it('refuses NaN, unknown names and wrong types, listing every problem', () => {
    expect(() =>
      validateConfig({ pruneCap: Number.NaN, rankRampEpochs: 5, pruneClassifier: 'yes' }),
    ).toThrow(
      /pruneCap must be a finite number.*unknown setting 'rankRampEpochs'.*pruneClassifier must be true or false/,
    );
  });

  it('defaults: a target size, the pruning window to the first decay, a warm-up', () => {
    expect(DEFAULT_CONFIG).toMatchObject({
      targetParamsKept: 50,
      pruneStart: 0.05,
      pruneEnd: 0.5,
      pruneInterval: 0.02,
      pruneCap: 0.25,
      pruneClassifier: true,
      warmupFraction: 0.01,
    });
  });
});
