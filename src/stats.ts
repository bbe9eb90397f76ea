// Summaries of repeated timings: the benchmark, the measuring scripts, the exporter, the backend race.

/** The middle value (for an even count, the upper of the two middle ones). */
export const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[values.length >> 1];
