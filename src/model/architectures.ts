// The architectures by name, without TF.js: the knob table and the page read these, and the page
// never loads TF.js (training is the worker's).
export const ARCHITECTURES = {
  resnet8: { blocksPerStage: [1, 1, 1], stageChannels: [16, 32, 64], shortcut: 'option-a' },
  resnet20: { blocksPerStage: [3, 3, 3], stageChannels: [16, 32, 64], shortcut: 'option-a' },
  resnet32: { blocksPerStage: [5, 5, 5], stageChannels: [16, 32, 64], shortcut: 'option-a' },
  resnet56: { blocksPerStage: [9, 9, 9], stageChannels: [16, 32, 64], shortcut: 'option-a' },
  resnet18: {
    blocksPerStage: [2, 2, 2, 2],
    stageChannels: [64, 128, 256, 512],
    shortcut: 'projection',
  },
} as const;

export type ArchitectureName = keyof typeof ARCHITECTURES;
export const ARCHITECTURE_NAMES = Object.keys(ARCHITECTURES) as ArchitectureName[];
export type ModelMode = 'lowrank' | 'dense';
