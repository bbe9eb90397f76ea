// The one table of knobs: name, range, default, unit and help drive validation, the CLI flags, the
// URL state and the sliders (CONTRIBUTING.md, "Adding a knob"). Defaults and their measurements:
// docs/method.md and docs/results.md.
import { ARCHITECTURE_NAMES, type ArchitectureName, type ModelMode } from './model/architectures';
import { RANK_TERMS, type RankTerm } from './lowrank/rankTerms';
import { pruneEndFraction } from './lowrank/schedules';

interface NumberKnob {
  type: 'number';
  default: number;
  min: number;
  max: number;
  integer?: boolean;
  /** log-scaled slider */
  log?: boolean;
  /** a value outside min..max that switches the knob off (e.g. 0: no target) */
  off?: number;
  unit?: string;
  /** may change while a job runs, taking effect at the next step */
  live: boolean;
  help: string;
}

interface ChoiceKnob<T extends string> {
  type: 'choice';
  default: T;
  choices: readonly T[];
  /** what the studio's menu shows for each choice (default: the value itself) */
  labels?: Readonly<Record<T, string>>;
  live: boolean;
  help: string;
}

interface BooleanKnob {
  type: 'boolean';
  default: boolean;
  live: boolean;
  help: string;
}

const number = (k: Omit<NumberKnob, 'type'>): NumberKnob => ({ type: 'number', ...k });
const choice = <T extends string>(k: Omit<ChoiceKnob<T>, 'type'>): ChoiceKnob<T> => ({
  type: 'choice',
  ...k,
});
const boolean = (k: Omit<BooleanKnob, 'type'>): BooleanKnob => ({ type: 'boolean', ...k });

export const KNOBS = {
  architecture: choice<ArchitectureName>({
    default: 'resnet20',
    choices: ARCHITECTURE_NAMES,
    labels: {
      resnet8: 'ResNet-8',
      resnet20: 'ResNet-20',
      resnet32: 'ResNet-32',
      resnet56: 'ResNet-56',
      resnet18: 'ResNet-18',
    },
    live: false,
    help: 'Network: CIFAR ResNet-8/20/32/56 or the CIFAR ResNet-18',
  }),
  mode: choice<ModelMode>({
    default: 'lowrank',
    choices: ['lowrank', 'dense'],
    labels: { lowrank: 'low-rank (DPRP)', dense: 'dense baseline' },
    live: false,
    help: 'Factorised (W = U diag(s) V^T, pruned while training) or the dense baseline',
  }),
  widthMultiplier: number({
    default: 1,
    min: 0.0625,
    max: 2,
    live: false,
    help: "Scales every layer's channel count",
  }),
  inputSize: number({
    default: 32,
    min: 8,
    max: 64,
    integer: true,
    unit: 'px',
    live: false,
    help: 'Side of the (square) input images; CIFAR is 32',
  }),
  epochs: number({
    default: 164,
    min: 1,
    max: 1000,
    integer: true,
    live: false,
    help: 'Length of the run; schedules scale with it',
  }),
  batchSize: number({
    default: 128,
    min: 1,
    max: 1024,
    integer: true,
    live: true,
    help: 'Images per training step',
  }),
  optimiser: choice<'sgd' | 'adam'>({
    default: 'sgd',
    choices: ['sgd', 'adam'],
    live: true,
    help: 'SGD with Nesterov momentum (paper recipe) or Adam',
  }),
  learningRate: number({
    default: 0.1,
    min: 1e-5,
    max: 1,
    log: true,
    live: true,
    help: 'Base learning rate before the schedule',
  }),
  momentum: number({
    default: 0.9,
    min: 0,
    max: 0.999,
    live: true,
    help: 'SGD momentum (Nesterov)',
  }),
  weightDecay: number({
    default: 1e-4,
    min: 0,
    max: 0.01,
    live: true,
    help: 'L2 on s, BatchNorm, biases and dense kernels; none on U, V',
  }),
  schedule: choice<'step' | 'cosine'>({
    default: 'step',
    choices: ['step', 'cosine'],
    live: true,
    help: 'Learning-rate schedule: x0.1 at 50% and 75% of the run, or cosine',
  }),
  warmupFraction: number({
    default: 0.01,
    min: 0,
    max: 0.5,
    live: true,
    unit: 'of the run',
    help: 'Linear learning-rate warm-up over this fraction of the run',
  }),
  lambdaOrth: number({
    default: 1,
    min: 0,
    max: 10,
    live: true,
    help: 'Weight of the orthogonality loss on U and V',
  }),
  lambdaRank: number({
    default: 0.1,
    min: 0,
    max: 2,
    live: true,
    help: 'Weight of the rank-reducing loss on s (normalised per layer to [0, 1]; off after the pruning window)',
  }),
  rankTerm: choice<RankTerm>({
    default: 'hoyer',
    choices: RANK_TERMS,
    live: true,
    help: 'Rank term: Hoyer ||s||1/||s||2, L1/max, or Hoyer-square',
  }),
  rankRampFraction: number({
    default: 0.05,
    min: 0,
    max: 1,
    live: true,
    unit: 'of the run',
    help: 'lambda_r rises linearly from 0 over this fraction of the run',
  }),
  pruning: boolean({
    default: true,
    live: true,
    help: 'Prune small singular directions during training',
  }),
  pruneRule: choice<'relative' | 'energy'>({
    default: 'relative',
    choices: ['relative', 'energy'],
    labels: { relative: '|s| ≥ τ·max', energy: 'keep 1−ε energy' },
    live: true,
    help: 'Keep |s_i| >= tau max|s|, or the top directions holding 1 - eps of the energy',
  }),
  pruneThreshold: number({
    default: 0.1,
    min: 0,
    max: 0.95,
    live: true,
    help: 'tau: relative cut of the pruning rule',
  }),
  energyEpsilon: number({
    default: 0.01,
    min: 0,
    max: 0.5,
    live: true,
    help: 'eps of the energy rule',
  }),
  targetParamsKept: number({
    default: 50,
    min: 10,
    max: 90,
    off: 0,
    live: true,
    unit: '%',
    help: 'Size to end at, as % of the dense params (0: off, the rule decides); the cut follows a schedule to it',
  }),
  fadeBeforeCut: boolean({
    default: true,
    live: true,
    help: 'With a target: shrink the directions to cut towards 0 until the next event, then cut them',
  }),
  pruneStart: number({
    default: 0.05,
    min: 0,
    max: 1,
    live: true,
    unit: 'of the run',
    help: 'Earliest point of the run where pruning may start',
  }),
  pruneLossDrop: number({
    default: 0.1,
    min: 0,
    max: 0.9,
    live: true,
    help: 'Pruning waits until the smoothed train loss is this fraction below chance, ln(classes) (0: no wait)',
  }),
  pruneEnd: number({
    default: 0.5,
    min: 0,
    max: 1,
    live: true,
    unit: 'of the run',
    help: 'Pruning ends here, or at the first decay of a step schedule if earlier; the rest fine-tunes',
  }),
  pruneInterval: number({
    default: 0.02,
    min: 0,
    max: 0.5,
    live: true,
    unit: 'of the run',
    help: 'Spacing of prune events (at least one step)',
  }),
  pruneCap: number({
    default: 0.25,
    min: 0,
    max: 1,
    live: true,
    help: "Most of a layer's rank one prune event may remove (at least one direction)",
  }),
  minRank: number({
    default: 1,
    min: 1,
    max: 512,
    integer: true,
    live: true,
    help: 'No layer is pruned below this rank',
  }),
  pruneClassifier: boolean({
    default: true,
    live: true,
    help: 'Prune the classifier too (never below classes - 1 directions)',
  }),
  maxRank: number({
    default: 0,
    min: 0,
    max: 512,
    integer: true,
    live: true,
    help: "Cap on every layer's rank (0: none); lowering it prunes at the next step",
  }),
  reorthonormalise: boolean({
    default: false,
    live: true,
    help: 'Re-orthonormalise factors by an exact SVD at each prune event',
  }),
  augment: boolean({
    default: true,
    live: true,
    help: 'Random crop (4-pixel padding) and horizontal flip',
  }),
  seed: number({
    default: 1,
    min: 0,
    max: 2 ** 31 - 1,
    integer: true,
    live: false,
    help: 'Seed of initialisation, shuffling and augmentation',
  }),
} as const;

export type KnobName = keyof typeof KNOBS;
type ValueOf<K> = K extends NumberKnob
  ? number
  : K extends BooleanKnob
    ? boolean
    : K extends ChoiceKnob<infer T>
      ? T
      : never;
export type TrainConfig = { [K in KnobName]: ValueOf<(typeof KNOBS)[K]> };

export const DEFAULT_CONFIG = Object.fromEntries(
  Object.entries(KNOBS).map(([name, knob]) => [name, knob.default]),
) as TrainConfig;

export const LIVE_KNOBS = (Object.keys(KNOBS) as KnobName[]).filter((name) => KNOBS[name].live);

/**
 * A change to a running job's knobs, validated where it enters (the worker's command): only live
 * knobs may change while a job exists (the network and the data are built from the others).
 */
export function validateLiveChange(values: Record<string, unknown>): Partial<TrainConfig> {
  const frozen = Object.keys(values).filter((name) => !LIVE_KNOBS.includes(name as KnobName));
  if (frozen.length)
    throw new Error(
      `${frozen.join(', ')} cannot change while a job exists; configure a new job instead`,
    );
  return validateConfig(values);
}

/** Checks one value against its knob; returns an error message or null. */
export function knobError(name: string, value: unknown): string | null {
  if (!(name in KNOBS)) return `unknown setting '${name}'`;
  const knob = KNOBS[name as KnobName];
  switch (knob.type) {
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value))
        return `${name} must be a finite number, got ${String(value)}`;
      if ('off' in knob && value === knob.off) return null;
      if (value < knob.min || value > knob.max)
        return `${name} must be between ${knob.min} and ${knob.max}${'off' in knob ? ` (or ${knob.off}: off)` : ''}, got ${value}`;
      if (knob.integer && !Number.isInteger(value))
        return `${name} must be a whole number, got ${value}`;
      return null;
    }
    case 'choice':
      return (knob.choices as readonly unknown[]).includes(value)
        ? null
        : `${name} must be one of ${knob.choices.join(', ')}, got ${String(value)}`;
    case 'boolean':
      return typeof value === 'boolean'
        ? null
        : `${name} must be true or false, got ${String(value)}`;
    default: {
      const unknown: never = knob;
      throw new Error(`unknown knob ${JSON.stringify(unknown)}`);
    }
  }
}

/** Validates a partial config; throws with every problem listed. */
export function validateConfig(partial: Record<string, unknown>): Partial<TrainConfig> {
  const errors = Object.entries(partial)
    .map(([name, value]) => knobError(name, value))
    .filter((e): e is string => e !== null);
  if (errors.length) throw new Error(`invalid settings: ${errors.join('; ')}`);
  return partial as Partial<TrainConfig>;
}

/**
 * Settings that are each in range but contradict one another: a pruning window that ends before
 * it starts, a rank floor above the rank cap. Empty when the configuration is coherent.
 */
export function configProblems(config: TrainConfig): string[] {
  const problems: string[] = [];
  const end = pruneEndFraction(config);
  if (config.pruning && config.mode === 'lowrank' && config.pruneStart > end)
    problems.push(
      `pruneStart (${config.pruneStart}) is after the end of the pruning window (${end}${end < config.pruneEnd ? ', the first learning-rate decay' : ''}): nothing would be pruned`,
    );
  if (config.maxRank > 0 && config.minRank > config.maxRank)
    problems.push(`minRank (${config.minRank}) is above maxRank (${config.maxRank})`);
  return problems;
}

/** Parses a knob's value from text (CLI flag, URL parameter). */
export function parseKnob(name: KnobName, text: string): TrainConfig[KnobName] {
  const knob = KNOBS[name];
  if (text.trim() === '') throw new Error(`${name} needs a value`);
  const value =
    knob.type === 'number'
      ? Number(text)
      : knob.type === 'boolean'
        ? text === 'true'
          ? true
          : text === 'false'
            ? false
            : text
        : text;
  const error = knobError(name, value);
  if (error) throw new Error(error);
  return value as TrainConfig[KnobName];
}
