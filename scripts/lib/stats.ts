// Summaries of repeated timings, shared by the benchmark and the measuring scripts.

/** The middle value (for an even count, the upper of the two middle ones). */
export const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[values.length >> 1];
