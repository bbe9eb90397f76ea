// Named partial configurations: micro nets for tests and quick demos, and the paper recipe.
import { DEFAULT_CONFIG, type TrainConfig } from './config';

export const PRESETS = {
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
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

export function presetConfig(name: PresetName, overrides: Partial<TrainConfig> = {}): TrainConfig {
  return { ...DEFAULT_CONFIG, ...PRESETS[name], ...overrides };
}
