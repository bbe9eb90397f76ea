// Named partial configurations: micro nets for tests and quick demos, and the paper recipe.
import { DEFAULT_CONFIG, type TrainConfig } from './config';
import type { JobLimits } from './protocol';

export const PRESETS = {
  /**
   * Classroom quick demo: a half-width ResNet-8 on 16 px built-in images, 10 steps an epoch, an
   * energy rule that removes the weakest directions at every epoch end. On the wasm backend of
   * a two-core machine the 600 steps take about 20 s in the studio (80 ms a step in Node); pause
   * to talk over the falling ranks.
   */
  classroom: {
    architecture: 'resnet8',
    widthMultiplier: 0.5,
    inputSize: 16,
    epochs: 60,
    batchSize: 16,
    learningRate: 0.05,
    lambdaRank: 0.1,
    rankRampEpochs: 1,
    pruneRule: 'energy',
    energyEpsilon: 0.05,
    pruneStart: 0.05,
    pruneEnd: 0.75,
  },
  /** ResNet-8 at quarter width (4/8/16 channels) on 16x16 images: a step in well under a second */
  micro: {
    architecture: 'resnet8',
    widthMultiplier: 0.25,
    inputSize: 16,
    epochs: 6,
    batchSize: 32,
    learningRate: 0.05,
    rankRampEpochs: 1,
    pruneStart: 0.2,
    pruneEnd: 0.7,
  },
  /** ResNet-20 at quarter width on 16x16 images */
  'micro-resnet20': {
    architecture: 'resnet20',
    widthMultiplier: 0.25,
    inputSize: 16,
    epochs: 8,
    batchSize: 32,
    learningRate: 0.05,
    rankRampEpochs: 2,
  },
  /** ResNet-20 on CIFAR-10 with algorithm.md's defaults */
  'paper-recipe': { architecture: 'resnet20', widthMultiplier: 1, inputSize: 32 },
} as const satisfies Record<string, Partial<TrainConfig>>;

export type PresetName = keyof typeof PRESETS;

/** Images per epoch that make each preset's epochs as short as its purpose needs. */
export const PRESET_LIMITS: Record<PresetName, JobLimits> = {
  classroom: { trainLimit: 160, testLimit: 160 },
  micro: {},
  'micro-resnet20': {},
  'paper-recipe': {},
};
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

export function presetConfig(name: PresetName, overrides: Partial<TrainConfig> = {}): TrainConfig {
  return { ...DEFAULT_CONFIG, ...PRESETS[name], ...overrides };
}
