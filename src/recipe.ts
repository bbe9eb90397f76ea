// A run's recipe for the PyTorch twin (python/): every knob's value and the command that trains it
// there, plus the JSON Schema of the knob table that both sides check recipes against, so a
// renamed or re-ranged knob fails a test on each side.
import { KNOBS, type KnobName, type TrainConfig } from './config';
import type { FolderInfo } from './data/folderInfo';
import { DEFAULT_FOLDER_SIDE, DEFAULT_TEST_FRACTION } from './data/imageFolderPlan';
import type { DatasetSummary, JobLimits } from './protocol';

export const RECIPE_FORMAT = 'lowrank-studio-recipe';
export const RECIPE_VERSION = 1;
/** Where the schema lives in the repository, inside the twin's package so it travels with it. */
export const RECIPE_SCHEMA_PATH = 'python/lowrank_studio/recipe.schema.json';

export interface Recipe {
  format: typeof RECIPE_FORMAT;
  version: typeof RECIPE_VERSION;
  config: TrainConfig;
  /** the data the studio trained on, and the image limits of its preset */
  dataset: { name: string; kind: DatasetKind } & JobLimits;
  /** the torchrun command line that trains this recipe (one GPU; see python/README.md for more) */
  command: string;
}

type DatasetKind = DatasetSummary['kind'];

/** The archive the twin needs for a dataset kind (your own images: the same folder or archive). */
const ARCHIVE_OF: Record<Exclude<DatasetKind, 'folder'>, string> = {
  cifar10: 'cifar-10-binary.tar.gz',
  cifar100: 'cifar-100-binary.tar.gz',
  // the built-in set is drawn in the browser; the closest real data is CIFAR-10
  builtin: 'cifar-10-binary.tar.gz',
};

const FOLDER_SUFFIX = ' (image folders)';

type DataNamed = { kind: DatasetKind; name?: string; folder?: FolderInfo };

/** `--data` and, for your own images, the split and size they were read with. */
function dataArguments({ kind, name, folder }: DataNamed): string[] {
  if (kind !== 'folder') return [`--data ${ARCHIVE_OF[kind]}`];
  const source = (name ?? 'my-images').replace(FOLDER_SUFFIX, '');
  const quoted = /^[\w.@/-]+$/.test(source) ? source : `'${source.replace(/'/g, `'\\''`)}'`;
  const fraction = folder?.split.kind === 'seeded' ? folder.split.fraction : DEFAULT_TEST_FRACTION;
  return [
    `--data ${quoted}`,
    fraction !== DEFAULT_TEST_FRACTION ? `--test-fraction ${fraction}` : '',
    folder && folder.side !== DEFAULT_FOLDER_SIDE ? `--image-size ${folder.side}` : '',
  ].filter(Boolean);
}

function knobSchema(name: KnobName): Record<string, unknown> {
  const knob = KNOBS[name];
  const common = { description: knob.help, default: knob.default, 'x-live': knob.live };
  switch (knob.type) {
    case 'number':
      return {
        type: 'integer' in knob && knob.integer ? 'integer' : 'number',
        minimum: knob.min,
        maximum: knob.max,
        ...('off' in knob ? { 'x-off': knob.off } : {}),
        ...('unit' in knob ? { 'x-unit': knob.unit } : {}),
        ...common,
      };
    case 'choice':
      return { type: 'string', enum: [...knob.choices], ...common };
    case 'boolean':
      return { type: 'boolean', ...common };
    default: {
      const unknown: never = knob;
      throw new Error(`unknown knob ${JSON.stringify(unknown)}`);
    }
  }
}

/** JSON Schema (2020-12) of a recipe file, generated from the knob table of src/config.ts. */
export function recipeSchema(): Record<string, unknown> {
  const names = Object.keys(KNOBS) as KnobName[];
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'Low-rank studio recipe',
    description:
      'Generated from src/config.ts by `npm run recipe -- --schema`; do not edit by hand. "x-off" is a value outside the range that switches a knob off, "x-live" whether it may change during a run.',
    type: 'object',
    required: ['format', 'version', 'config'],
    properties: {
      format: { const: RECIPE_FORMAT },
      version: { const: RECIPE_VERSION },
      config: {
        type: 'object',
        additionalProperties: false,
        required: names,
        properties: Object.fromEntries(names.map((name) => [name, knobSchema(name)])),
      },
      dataset: { type: 'object' },
      command: { type: 'string' },
    },
  };
}

/** The torchrun command training `config` on one GPU, with the studio's image limits. */
export function recipeCommand(config: TrainConfig, dataset: DataNamed & JobLimits): string {
  const limits = [
    dataset.trainLimit ? `--train-limit ${dataset.trainLimit}` : '',
    dataset.testLimit ? `--test-limit ${dataset.testLimit}` : '',
  ].filter(Boolean);
  return [
    'torchrun --nproc_per_node=1 -m lowrank_studio --recipe recipe.json',
    ...dataArguments(dataset),
    `--out runs/${config.architecture}-${config.mode}`,
    ...limits,
  ].join(' ');
}

export function recipeFor(
  config: TrainConfig,
  dataset: { name: string; kind: DatasetKind } & JobLimits,
): Recipe {
  const limits: JobLimits = {
    ...(dataset.trainLimit ? { trainLimit: dataset.trainLimit } : {}),
    ...(dataset.testLimit ? { testLimit: dataset.testLimit } : {}),
  };
  return {
    format: RECIPE_FORMAT,
    version: RECIPE_VERSION,
    config,
    dataset: { name: dataset.name, kind: dataset.kind, ...limits },
    command: recipeCommand(config, dataset),
  };
}
