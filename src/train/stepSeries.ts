// Step metrics as the protocol carries them (one typed array per field): made from per-step
// records (the trainer's metrics, a run log's lines), and joined.
import { STEP_METRIC_FIELDS, type StepRecord, type StepSeries } from '../protocol';

export function toSeries(records: readonly StepRecord[]): StepSeries {
  const series = { step: Float64Array.from(records, (r) => r.step) } as StepSeries;
  for (const field of STEP_METRIC_FIELDS)
    series[field] = Float32Array.from(records, (r) => r[field]);
  return series;
}

/** Step i of `series` as a record. */
export function recordAt(series: StepSeries, i: number): StepRecord {
  const record = { step: series.step[i] } as StepRecord;
  for (const field of STEP_METRIC_FIELDS) record[field] = series[field][i];
  return record;
}

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

/** Steps [start, end) of `series`, in arrays of their own. */
export function sliceSeries(series: StepSeries, start: number, end: number): StepSeries {
  return Object.fromEntries(
    Object.entries(series).map(([field, values]) => [field, values.slice(start, end)]),
  ) as unknown as StepSeries;
}
