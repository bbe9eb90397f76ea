// `npm run recipe -- --model <preset|architecture> [--<any knob> value]`: prints the recipe.json the
// studio's "Export recipe" gives, for the PyTorch twin (python/). `--schema` prints the JSON
// Schema of the knob table instead, and `--write-schema` refreshes the twin's copy of it.
import { writeFileSync } from 'node:fs';
import { configProblems, KNOBS, parseKnob, type KnobName, type TrainConfig } from '../src/config';
import { recipeFor, recipeSchema, RECIPE_SCHEMA_PATH } from '../src/recipe';
import { flagOf, helpRequested, unknownOption } from './lib/cli';
import { baseConfig, jobLimits, UsageError } from './lib/experimentArgs';

export const USAGE = `usage: npm run recipe -- --model <preset|architecture> [--data-kind cifar10|cifar100] [--<knob> value ...]

  Prints recipe.json for the PyTorch twin (python/README.md): every setting, and the torchrun
  command that trains it. Settings as in npm run experiment, e.g. --target-params-kept 30.
  --schema        print the JSON Schema of the settings instead
  --write-schema  write that schema to ${RECIPE_SCHEMA_PATH}`;

const OWN_FLAGS = ['--model', '--data-kind', '--schema', '--write-schema', '--help'];

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export function recipeFromArgs(args: string[]): unknown {
  let model = '';
  let kind: 'cifar10' | 'cifar100' = 'cifar10';
  const knobs: Partial<TrainConfig> = {};
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = args[i + 1];
    const name = camel(flag.replace(/^--/, ''));
    if (!flag.startsWith('--')) throw new UsageError(`unexpected argument '${flag}'`);
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    i++;
    if (name === 'model') model = value;
    else if (name === 'dataKind') {
      if (value !== 'cifar10' && value !== 'cifar100')
        throw new UsageError(`--data-kind must be cifar10 or cifar100, got ${value}`);
      kind = value;
    } else if (name in KNOBS)
      try {
        (knobs as Record<string, unknown>)[name] = parseKnob(name as KnobName, value);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
    else
      throw new UsageError(
        unknownOption(flag, [...OWN_FLAGS, ...Object.keys(KNOBS).map(flagOf)]).message,
      );
  }
  if (!model) throw new UsageError('--model is required');
  const config = { ...baseConfig(model), ...knobs };
  const problems = configProblems(config);
  if (problems.length) throw new UsageError(problems.join('; '));
  const name = kind === 'cifar10' ? 'CIFAR-10' : 'CIFAR-100';
  return recipeFor(config, { name, kind, ...jobLimits({ model }) });
}

function main(args: string[]): void {
  if (helpRequested(args)) console.log(USAGE);
  else if (args.includes('--schema')) console.log(JSON.stringify(recipeSchema(), null, 2));
  else if (args.includes('--write-schema')) {
    writeFileSync(RECIPE_SCHEMA_PATH, `${JSON.stringify(recipeSchema(), null, 2)}\n`);
    console.error(`wrote ${RECIPE_SCHEMA_PATH}`);
  } else console.log(JSON.stringify(recipeFromArgs(args), null, 2));
}

if (process.argv[1]?.endsWith('recipe.ts'))
  try {
    main(process.argv.slice(2));
  } catch (error) {
    const usage = error instanceof UsageError ? `\n\n${USAGE}` : '';
    console.error(`recipe: ${(error as Error).message}${usage}`);
    process.exit(1);
  }
