// Step metrics as the protocol carries them (one typed array per field): joining batches.
import type { StepSeries } from '../protocol';

export function concatSeries(batches: readonly StepSeries[]): StepSeries {
  if (batches.length === 1) return batches[0];
  const fields = Object.keys(batches[0]) as (keyof StepSeries)[];
  const length = batches.reduce((n, b) => n + b.step.length, 0);
  const joined = {} as Record<keyof StepSeries, Float32Array | Float64Array>;
  for (const field of fields) {
    const out = new (batches[0][field].constructor as Float32ArrayConstructor)(length);
    let at = 0;
    for (const batch of batches) {
      out.set(batch[field], at);
      at += batch[field].length;
    }
    joined[field] = out;
  }
  return joined as unknown as StepSeries;
}
