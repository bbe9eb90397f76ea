// A run as CSV for a spreadsheet: one row per recorded step of the main run, its metrics, and the
// epoch's accuracy and the size on the rows where they were measured (empty elsewhere).
import { STEP_METRIC_FIELDS } from '../protocol';
import type { RunLog } from '../runLog';

const cell = (value: number | undefined) =>
  value === undefined || !Number.isFinite(value) ? '' : String(value);

export function runCsv(log: RunLog): string {
  const validation = Boolean(log.header.dataset.validationCount);
  const accuracyColumn = validation ? 'validationAccuracy' : 'testAccuracy';
  const accuracy = new Map<number, number>();
  const size = new Map<number, { paramsKept: number; macsKept: number; rankKept: number }>();
  for (const event of log.history.events) {
    if ('run' in event && event.run === 'baseline') continue;
    if (event.type === 'epoch') {
      accuracy.set(event.summary.step, event.summary.testAccuracy);
      size.set(event.summary.step, event.summary.size);
    } else if (event.type === 'pruned') size.set(event.step, event.size);
  }
  const header = [
    'step',
    ...STEP_METRIC_FIELDS,
    accuracyColumn,
    'paramsKept',
    'macsKept',
    'rankKept',
  ];
  const lines = [header.join(',')];
  const steps = log.history.steps.main;
  const indexOf = new Map<number, number>();
  steps?.step.forEach((step, i) => indexOf.set(step, i));
  // an epoch or a prune between two recorded steps (a log written every few steps) has a row too
  const allSteps = [...new Set([...indexOf.keys(), ...accuracy.keys(), ...size.keys()])].sort(
    (a, b) => a - b,
  );
  for (const step of allSteps) {
    const i = indexOf.get(step);
    const sized = size.get(step);
    lines.push(
      [
        String(step),
        ...STEP_METRIC_FIELDS.map((field) => cell(i === undefined ? undefined : steps![field][i])),
        cell(accuracy.get(step)),
        cell(sized?.paramsKept),
        cell(sized?.macsKept),
        cell(sized?.rankKept),
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}
