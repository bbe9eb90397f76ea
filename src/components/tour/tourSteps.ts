// The classroom walkthrough: five stops, each a panel (its data-tour name) and what to do there.
export interface TourStep {
  /** the data-tour attribute of the panel to highlight */
  target: string;
  title: string;
  text: string;
}

export const TOUR_STEPS: readonly TourStep[] = [
  {
    target: 'run-controls',
    title: 'Start the demo',
    text: 'Press Start. A small ResNet learns to tell ten kinds of shapes apart while it is pruned to half its size: about half a minute here. Pause at any time to talk it over.',
  },
  {
    target: 'spectrum-chart',
    title: 'Read the spectrum and its cut',
    text: "Each dot is one direction of a layer's weights, W = U diag(s) Vᵀ, by its size |s| on a log scale. Orange dots are fading towards zero: the next prune event removes them.",
  },
  {
    target: 'rank-chart',
    title: 'Watch the ranks fall',
    text: "Every line is a layer's rank. Pruning removes the weakest directions step by step until the network meets its target size, shown on the size chart, while the accuracy keeps climbing.",
  },
  {
    target: 'settings-panel',
    title: 'Drag λ rank or the target size',
    text: 'The sliders act on the running job at its next step. A smaller target cuts deeper; a larger λ rank pushes the singular values apart so the rule has more to cut.',
  },
  {
    target: 'export-panel',
    title: 'Compare with dense, then download',
    text: 'Press "Compare with dense" and start again to train the uncompressed network beside it with the same recipe. Then download the compressed model: a standard TF.js model any page can run.',
  },
];
