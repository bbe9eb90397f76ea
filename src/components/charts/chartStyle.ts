// Colours and shared props of the live charts.

export const COLOURS = {
  crossEntropy: '#2d4a8a',
  orth: '#c9812b',
  rank: '#8a3d9c',
  baseline: '#7a8699',
  train: '#2d4a8a',
  test: '#2e8b57',
  kept: '#2d4a8a',
  atRisk: '#d9822b',
  pruned: '#b8c0d4',
  cut: '#c0392b',
  macs: '#2e8b57',
} as const;

/** Live charts redraw 10 times a second: no animation. */
export const STATIC = { isAnimationActive: false } as const;
