// Named partial configurations: the classroom demo, micro nets for quick runs, and the paper
// recipe. Each is calibrated by a study (docs/results.md); rerun it when you change one.
import { DEFAULT_CONFIG, type TrainConfig } from './config';
import type { JobLimits } from './protocol';

export const PRESETS = {
  /**
   * Classroom quick demo on the built-in images: a half-width ResNet-8 at 16 px, 2,000 training
   * images, 12 epochs of 63 steps, ending at half the dense size. About 10 s on the wasm backend
   * of a two-core machine; accuracy climbs from the first epoch (docs/results.md).
   */
  classroom: {
    architecture: 'resnet8',
    widthMultiplier: 0.5,
    inputSize: 16,
    epochs: 12,
    batchSize: 32,
    learningRate: 0.05,
    schedule: 'cosine',
    warmupFraction: 0,
    lambdaRank: 0,
  },
  /**
   * ResNet-8 at half width (8/16/32 channels) on 16x16 images: 15 epochs of CIFAR-10 in a few
   * minutes. At quarter width a 50% cut costs 3 points (docs/results.md): too small to compress.
   */
  micro: {
    architecture: 'resnet8',
    widthMultiplier: 0.5,
    inputSize: 16,
    epochs: 15,
    batchSize: 32,
    learningRate: 0.05,
    schedule: 'cosine',
    warmupFraction: 0,
    lambdaRank: 0,
  },
  /** ResNet-20 at quarter width (4/8/16 channels) on 16x16 images */
  'micro-resnet20': {
    architecture: 'resnet20',
    widthMultiplier: 0.25,
    inputSize: 16,
    epochs: 15,
    batchSize: 32,
    learningRate: 0.05,
    schedule: 'cosine',
    warmupFraction: 0,
    lambdaRank: 0,
  },
  /**
   * Your own images (a folder per class, or the camera): ResNet-8 at half width on 32x32
   * images, the micro recipe for 20 epochs; a few hundred images a class train in minutes on a
   * laptop (docs/results.md, "Your images").
   */
  'your-images': {
    architecture: 'resnet8',
    widthMultiplier: 0.5,
    inputSize: 32,
    epochs: 20,
    batchSize: 32,
    learningRate: 0.05,
    schedule: 'cosine',
    warmupFraction: 0,
    lambdaRank: 0,
  },
  /**
   * ResNet-20 on CIFAR-10, 164 epochs with the published step schedule: the defaults of
   * src/config.ts. Its warm-up keeps learning rate 0.1 from blowing up the first steps; the
   * short presets above train without one and with λ_r = 0, as they were calibrated
   * (docs/results.md, "How the defaults were chosen").
   */
  'paper-recipe': { architecture: 'resnet20', widthMultiplier: 1, inputSize: 32 },
} as const satisfies Record<string, Partial<TrainConfig>>;

export type PresetName = keyof typeof PRESETS;

/** Images per epoch that make each preset's epochs as short as its purpose needs. */
export const PRESET_LIMITS: Record<PresetName, JobLimits> = {
  classroom: { trainLimit: 2000, testLimit: 500 },
  micro: {},
  'micro-resnet20': {},
  'your-images': {},
  'paper-recipe': {},
};
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

export function presetConfig(name: PresetName, overrides: Partial<TrainConfig> = {}): TrainConfig {
  return { ...DEFAULT_CONFIG, ...PRESETS[name], ...overrides };
}
