import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KNOBS } from './config';
import { presetConfig } from './presets';
import { recipeFor, recipeSchema, RECIPE_SCHEMA_PATH } from './recipe';

describe('recipes', () => {
  it("the PyTorch twin's schema is the knob table's (npm run recipe -- --write-schema refreshes it)", () => {
    const committed: unknown = JSON.parse(readFileSync(RECIPE_SCHEMA_PATH, 'utf8'));
    expect(committed).toEqual(recipeSchema());
  });

  it('describe every knob with its type, range, choices and default', () => {
    const config = (
      recipeSchema().properties as Record<string, { properties: Record<string, object> }>
    ).config;
    expect(Object.keys(config.properties)).toEqual(Object.keys(KNOBS));
    expect(config.properties.epochs).toMatchObject({
      type: 'integer',
      minimum: 1,
      maximum: 1000,
      default: 164,
    });
    expect(config.properties.targetParamsKept).toMatchObject({
      type: 'number',
      minimum: 10,
      'x-off': 0,
    });
    expect(config.properties.rankTerm).toMatchObject({
      type: 'string',
      enum: KNOBS.rankTerm.choices,
    });
    expect(config.properties.pruning).toMatchObject({ type: 'boolean', default: true });
  });

  it("carry the settings, the preset's image limits and the command that trains them", () => {
    const recipe = recipeFor(presetConfig('classroom'), {
      name: 'Built-in shapes',
      kind: 'builtin',
      trainLimit: 2000,
      testLimit: 500,
    });
    expect(recipe.config.architecture).toBe('resnet8');
    expect(recipe.dataset).toEqual({
      name: 'Built-in shapes',
      kind: 'builtin',
      trainLimit: 2000,
      testLimit: 500,
    });
    expect(recipe.command).toBe(
      'torchrun --nproc_per_node=1 -m lowrank_studio --recipe recipe.json --data cifar-10-binary.tar.gz --out runs/resnet8-lowrank --train-limit 2000 --test-limit 500',
    );
    const cifar100 = recipeFor(presetConfig('paper-recipe'), {
      name: 'CIFAR-100',
      kind: 'cifar100',
    });
    expect(cifar100.command).toContain(
      '--data cifar-100-binary.tar.gz --out runs/resnet20-lowrank',
    );
    expect(cifar100.command).not.toContain('limit');
  });
});
