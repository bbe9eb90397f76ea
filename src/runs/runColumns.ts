// The runs table's columns, sorting and filtering: fixed columns for what every run has, and one
// column for each knob whose value differs between the runs shown.
import { KNOBS, type KnobName, type TrainConfig } from '../config';
import type { RunDigest, RunSummary } from './runSummary';

/** A run in the library as the table sees it (its log is stored apart). */
export interface RunRow {
  id: string;
  name: string;
  note: string;
  pinned: boolean;
  /** ms since 1970 */
  savedAt: number;
  /** trained in this studio, or opened from a file (a run log, a run file, event files) */
  origin: 'studio' | 'file';
  config: TrainConfig;
  dataset: string;
  summary: RunSummary;
  digest: RunDigest;
  /** the stored log's size */
  bytes: number;
  /** SHA-256 of the log's text (hex, first 16 digits): the same file imported twice is one run */
  fingerprint?: string;
}

type Cell = number | string | boolean | null;

export interface Column {
  key: string;
  label: string;
  value: (row: RunRow) => Cell;
  text: (row: RunRow) => string;
  /** a knob's column: shown only while the runs differ in it */
  knob?: KnobName;
}

const percent = (share: number | null) => (share === null ? '–' : `${(100 * share).toFixed(1)}%`);
/** percentages as the filter reads them: "test>60" */
const asPercent = (share: number | null) => (share === null ? null : 100 * share);

function duration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(0)} s`;
  if (seconds < 3600) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

const modelOf = (c: TrainConfig) =>
  `${KNOBS.architecture.labels?.[c.architecture] ?? c.architecture} ×${c.widthMultiplier}, ${c.inputSize} px`;

/** A column of a summary share (0-1), shown and filtered as a percentage. */
function shareColumn(
  key: string,
  label: string,
  field: 'testAccuracy' | 'validationAccuracy' | 'paramsKept' | 'macsKept',
): Column {
  return {
    key,
    label,
    value: (r) => asPercent(r.summary[field]),
    text: (r) => percent(r.summary[field]),
  };
}

export const FIXED_COLUMNS: Column[] = [
  { key: 'name', label: 'Run', value: (r) => r.name, text: (r) => r.name },
  { key: 'saved', label: 'Saved', value: (r) => r.savedAt, text: (r) => savedText(r.savedAt) },
  { key: 'dataset', label: 'Dataset', value: (r) => r.dataset, text: (r) => r.dataset },
  { key: 'model', label: 'Model', value: (r) => modelOf(r.config), text: (r) => modelOf(r.config) },
  { key: 'mode', label: 'Mode', value: (r) => r.config.mode, text: (r) => r.config.mode },
  shareColumn('test', 'Test acc.', 'testAccuracy'),
  shareColumn('val', 'Val. acc.', 'validationAccuracy'),
  shareColumn('params', 'Params kept', 'paramsKept'),
  shareColumn('macs', 'MACs kept', 'macsKept'),
  {
    key: 'steps',
    label: 'Steps',
    value: (r) => r.summary.lastStep,
    text: (r) => r.summary.lastStep.toLocaleString('en'),
  },
  {
    key: 'time',
    label: 'Time',
    value: (r) => r.summary.seconds,
    text: (r) => duration(r.summary.seconds),
  },
  { key: 'device', label: 'Ran on', value: (r) => r.summary.device, text: (r) => r.summary.device },
];

function savedText(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

/** Knobs the fixed columns already show. */
const SHOWN_FIXED = new Set<KnobName>(['architecture', 'mode', 'widthMultiplier', 'inputSize']);

function knobColumn(knob: KnobName): Column {
  return {
    key: knob,
    label: knob,
    knob,
    value: (r) => r.config[knob],
    text: (r) => String(r.config[knob]),
  };
}

/** The fixed columns, then a column for every knob that differs between `rows`. */
export function columnsFor(rows: readonly RunRow[]): Column[] {
  const differing = (Object.keys(KNOBS) as KnobName[]).filter(
    (knob) =>
      !SHOWN_FIXED.has(knob) && rows.some((row) => row.config[knob] !== rows[0].config[knob]),
  );
  return [...FIXED_COLUMNS, ...differing.map(knobColumn)];
}

export interface SortOrder {
  key: string;
  descending: boolean;
}

/** Rows sorted by a column; runs without a value (–) go last either way. */
export function sortRows(rows: readonly RunRow[], columns: Column[], order: SortOrder): RunRow[] {
  const column = columns.find((c) => c.key === order.key) ?? knobColumnIfAny(order.key);
  if (!column) return [...rows];
  const sign = order.descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = column.value(a);
    const y = column.value(b);
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
    if (typeof x === 'number' && typeof y === 'number') return sign * (x - y);
    return sign * String(x).localeCompare(String(y));
  });
}

const knobColumnIfAny = (key: string) => (key in KNOBS ? knobColumn(key as KnobName) : undefined);

const COMPARISON = /^([A-Za-z]+)(>=|<=|!=|>|<|=)(.+)$/;

/** Whether a row passes one term of the filter (see filterRows). */
function passes(row: RunRow, term: string, columns: Column[]): boolean {
  const comparison = COMPARISON.exec(term);
  const column =
    comparison &&
    (columns.find((c) => c.key.toLowerCase() === comparison[1].toLowerCase()) ??
      knobColumnIfAny(
        (Object.keys(KNOBS) as string[]).find(
          (k) => k.toLowerCase() === comparison[1].toLowerCase(),
        ) ?? '',
      ));
  if (comparison && column) {
    const [, , op, wanted] = comparison;
    const value = column.value(row);
    if (value === null) return false;
    const number = Number(wanted);
    const compared =
      typeof value === 'number' && Number.isFinite(number)
        ? value - number
        : String(value).toLowerCase().localeCompare(wanted.toLowerCase());
    if (op === '=') return compared === 0;
    if (op === '!=') return compared !== 0;
    if (op === '>') return compared > 0;
    if (op === '<') return compared < 0;
    if (op === '>=') return compared >= 0;
    return compared <= 0;
  }
  const needle = term.toLowerCase();
  return [row.name, row.note, row.dataset, modelOf(row.config), row.config.mode, row.summary.device]
    .join(' ')
    .toLowerCase()
    .includes(needle);
}

/**
 * Rows passing every term of `filter`: a term `column<op>value` (op one of = != > < >= <=; a
 * column's key or any knob's name, percentages in %: "test>60 lambdaRank=0.3"), or words found
 * in a run's name, note, dataset, model, mode or device.
 */
export function filterRows(rows: readonly RunRow[], filter: string, columns: Column[]): RunRow[] {
  const terms = filter.split(/\s+/).filter(Boolean);
  return rows.filter((row) => terms.every((term) => passes(row, term, columns)));
}
