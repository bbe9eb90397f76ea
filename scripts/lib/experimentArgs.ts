// Command-line options of `npm run experiment`: parsing and validation, kept apart from the
// runner so they can be tested without training.
import { join } from 'node:path';
import {
  DEFAULT_CONFIG,
  KNOBS,
  parseKnob,
  type KnobName,
  type TrainConfig,
} from '../../src/config';
import { ARCHITECTURE_NAMES, type ArchitectureName } from '../../src/model/architectures';
import { PRESET_LIMITS, PRESET_NAMES, PRESETS, type PresetName } from '../../src/presets';
import type { JobLimits } from '../../src/protocol';
import { flagOf, knobOf, unknownOption } from './cli';
import { parseNodeBackend, type NodeBackend } from './nodeBackend';

export const USAGE = `usage: npm run experiment -- --data <archive|folder|builtin> --model <name> [options]

  --data        a CIFAR-10/100 archive, .bin file or folder of them; your own images as one folder
                per class (a folder, .zip, .tar or .tar.gz: <class>/<image> or train|test/<class>/<image>);
                or builtin (the studio's set)
  --test-fraction F  your own images without a test folder: each class's share tested on (0.2)
  --image-size S     your own images: the side they are stored at (32; runs resize to --input-size)
  --model       a preset (${PRESET_NAMES.join(', ')}) or an architecture (${ARCHITECTURE_NAMES.join(', ')})
  --mode        lowrank | dense | both (both: the dense baseline and the low-rank run, same recipe and seed)
  --epochs N    --train-limit K    --test-limit K    --seed S    --out <dir> (default experiments/latest)
  --stop-after-epochs N  stop after N of the --epochs (the schedule still spans all of them): the
                first epochs of a long recipe, e.g. beside the PyTorch twin's
                a preset brings the studio's image limits (classroom: 1,000 / 500); the flags override them
                --out gets report.json, report.md, and each run's run-log.jsonl (the studio opens it) and
                TensorBoard event files (tensorboard --logdir <dir>), in <dir>/<mode>/ with --mode both
  --validation N hold N training images out (stratified; the same images in every run): each epoch
                is evaluated on them, the test set once at the end; --train-limit counts the rest
  --target-params-kept P   end the low-rank run at P% of the dense params (10-90)
  --export <dir> also write the trained model as a standard TF.js LayersModel (model.json,
                model.weights.bin) with its report.json and labels.json (class names, input size and
                normalisation; one subfolder per mode with --mode both)
  --coarse      CIFAR-100 coarse labels
  --backend     wasm (default: XNNPACK with this project's training kernels) | cpu (pure JavaScript)
                | webgpu (a GPU server: Dawn's Node binding, Vulkan; see npm run bench:gpu)
  any setting of the studio as --name value, e.g. --lambda-rank 0.05 --prune-threshold 0.03`;

/** A problem with the command line itself: the usage is worth showing with it. */
export class UsageError extends Error {}

export interface Options {
  data: string;
  model: string;
  mode: 'lowrank' | 'dense' | 'both';
  out: string;
  export?: string;
  trainLimit?: number;
  testLimit?: number;
  /** training images held out for validation (0: none) */
  validation: number;
  /** stop after this many epochs of the schedule's (absent: run them all) */
  stopAfterEpochs?: number;
  coarse: boolean;
  /** image folders: the test share where no test folder exists, and the stored side */
  testFraction?: number;
  imageSize?: number;
  backend: NodeBackend;
  knobs: Partial<TrainConfig>;
}

function positiveInteger(flag: string, text: string | undefined): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new UsageError(`--${flag} needs a positive whole number, got ${text}`);
  return value;
}

/** Every flag of npm run experiment: its own and one per knob. */
export const EXPERIMENT_FLAGS = [
  ...['--data', '--model', '--mode', '--out', '--export', '--train-limit', '--test-limit'],
  ...['--validation', '--stop-after-epochs', '--test-fraction', '--image-size'],
  ...['--coarse', '--backend', '--help'],
  ...Object.keys(KNOBS).map(flagOf),
];

/** `extraFlags`: flags of a command built on this one, offered as suggestions too. */
export function parseArgs(args: string[], extraFlags: readonly string[] = []): Options {
  const options: Options = {
    data: '',
    model: '',
    mode: 'lowrank',
    out: join('experiments', 'latest'),
    coarse: false,
    backend: 'wasm',
    validation: 0,
    knobs: {},
  };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    if (!flag.startsWith('--')) throw new UsageError(`unexpected argument '${flag}'`);
    const name = knobOf(flag.slice(2));
    if (name === 'coarse') {
      options.coarse = true;
      continue;
    }
    const value = args[++i];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    if (name === 'data' || name === 'model' || name === 'out' || name === 'export')
      options[name] = value;
    else if (name === 'backend') options.backend = parseNodeBackend(value);
    else if (name === 'mode') {
      if (value !== 'lowrank' && value !== 'dense' && value !== 'both')
        throw new UsageError(`--mode must be lowrank, dense or both, got ${value}`);
      options.mode = value;
    } else if (name === 'testFraction') {
      const fraction = Number(value);
      if (!(fraction > 0 && fraction < 1))
        throw new UsageError(`--test-fraction needs a share between 0 and 1, got ${value}`);
      options.testFraction = fraction;
    } else if (name === 'imageSize') {
      options.imageSize = positiveInteger('image-size', value);
      if (options.imageSize < 8 || options.imageSize > 256)
        throw new UsageError(`--image-size needs a side of 8 to 256 pixels, got ${value}`);
    } else if (
      name === 'trainLimit' ||
      name === 'testLimit' ||
      name === 'validation' ||
      name === 'stopAfterEpochs'
    )
      options[name] = positiveInteger(flag.slice(2), value);
    else if (name in KNOBS)
      try {
        (options.knobs as Record<string, unknown>)[name] = parseKnob(name as KnobName, value);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
    else throw new UsageError(unknownOption(flag, [...EXPERIMENT_FLAGS, ...extraFlags]).message);
  }
  if (!options.data) throw new UsageError('--data is required');
  if (!options.model) throw new UsageError('--model is required');
  return options;
}

/** The preset's image limits (what the studio uses), overridden by --train-limit / --test-limit. */
export function jobLimits(options: Pick<Options, 'model' | 'trainLimit' | 'testLimit'>): JobLimits {
  const preset = (PRESET_NAMES as string[]).includes(options.model)
    ? PRESET_LIMITS[options.model as PresetName]
    : {};
  return {
    trainLimit: options.trainLimit ?? preset.trainLimit,
    testLimit: options.testLimit ?? preset.testLimit,
  };
}

export function baseConfig(model: string): TrainConfig {
  if ((PRESET_NAMES as string[]).includes(model))
    return { ...DEFAULT_CONFIG, ...PRESETS[model as PresetName] };
  if ((ARCHITECTURE_NAMES as string[]).includes(model))
    return { ...DEFAULT_CONFIG, architecture: model as ArchitectureName };
  throw new UsageError(
    `unknown model '${model}': use a preset (${PRESET_NAMES.join(', ')}) or an architecture (${ARCHITECTURE_NAMES.join(', ')})`,
  );
}
