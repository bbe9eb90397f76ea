import { describe, expect, it } from 'vitest';
import { recipeFromArgs } from './recipe';

describe('npm run recipe', () => {
  it('prints a preset with the settings given on the command line', () => {
    const recipe = recipeFromArgs(['--model', 'micro', '--target-params-kept', '30']) as {
      config: { architecture: string; targetParamsKept: number };
      dataset: { kind: string };
    };
    expect(recipe.config).toMatchObject({ architecture: 'resnet8', targetParamsKept: 30 });
    expect(recipe.dataset.kind).toBe('cifar10');
  });

  it('refuses unknown flags, bad values and contradictions with the reason', () => {
    expect(() => recipeFromArgs(['--model', 'micro', '--lamda-rank', '1'])).toThrow(
      'did you mean --lambda-rank?',
    );
    expect(() => recipeFromArgs(['--model', 'resnet20', '--epochs', '0'])).toThrow(
      'epochs must be between 1 and 1000',
    );
    expect(() =>
      recipeFromArgs(['--model', 'micro', '--min-rank', '9', '--max-rank', '4']),
    ).toThrow('minRank (9) is above maxRank (4)');
    expect(() => recipeFromArgs(['--epochs', '3'])).toThrow('--model is required');
    expect(() => recipeFromArgs(['--model', 'micro', '--data-kind', 'mnist'])).toThrow(
      '--data-kind must be cifar10 or cifar100',
    );
  });
});
