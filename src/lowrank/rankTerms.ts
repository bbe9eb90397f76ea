// The rank-reducing loss terms by name, without TF.js (the knob table and the page read them).
export const RANK_TERMS = ['hoyer', 'l1-max', 'hoyer-square'] as const;
export type RankTerm = (typeof RANK_TERMS)[number];
