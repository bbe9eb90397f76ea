import { describe, expect, it } from 'vitest';
import { flagOf, helpRequested, nearestName, unknownOption } from './cli';

describe('command-line conventions', () => {
  it('recognises --help and -h', () => {
    expect(helpRequested(['--data', 'x', '-h'])).toBe(true);
    expect(helpRequested(['--help'])).toBe(true);
    expect(helpRequested(['--data', 'help'])).toBe(false);
  });

  it('suggests the nearest valid flag for a typo, and none for a stranger', () => {
    const valid = ['--lambda-rank', '--lambda-orth', '--epochs', '--train-limit'];
    expect(nearestName('--lamda-rank', valid)).toBe('--lambda-rank');
    expect(nearestName('--epoch', valid)).toBe('--epochs');
    expect(nearestName('--train', valid)).toBe('--train-limit');
    expect(nearestName('--frobnicate', valid)).toBeNull();
    expect(unknownOption('--lamda-orth', valid).message).toBe(
      'unknown option --lamda-orth (did you mean --lambda-orth?)',
    );
    expect(unknownOption('--frobnicate', valid).message).toBe('unknown option --frobnicate');
  });

  it('writes knob names as kebab-case flags', () => {
    expect(flagOf('targetParamsKept')).toBe('--target-params-kept');
    expect(flagOf('epochs')).toBe('--epochs');
  });
});
