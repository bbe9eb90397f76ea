// TensorBoard's Event message and the summaries it carries (scalars, histograms, text), encoded
// and decoded with protobuf.ts. Field numbers are those of TensorBoard's event.proto,
// summary.proto, histogram.proto and tensor.proto; only the fields event files of runs need.
import { ProtoWriter, readFields, unpackDoubles, utf8Text } from './protobuf';

const EVENT = { wallTime: 1, step: 2, fileVersion: 3, summary: 5 } as const;
const SUMMARY = { value: 1 } as const;
const VALUE = { tag: 1, simpleValue: 2, histo: 5, tensor: 8, metadata: 9 } as const;
const HISTOGRAM = {
  min: 1,
  max: 2,
  num: 3,
  sum: 4,
  sumSquares: 5,
  bucketLimit: 6,
  bucket: 7,
} as const;
const METADATA = { pluginData: 1 } as const;
const PLUGIN_DATA = { pluginName: 1 } as const;
const TENSOR = { dtype: 1, tensorShape: 2, stringVal: 8 } as const;
/** tensorflow.DataType DT_STRING */
const DT_STRING = 7;

/** A histogram as TensorBoard keeps one: bucket i counts the values up to bucketLimit[i]. */
export interface Histogram {
  min: number;
  max: number;
  num: number;
  sum: number;
  sumSquares: number;
  bucketLimit: number[];
  bucket: number[];
}

/** One tagged value of a summary: a scalar (float32), a histogram, or text for the Text tab. */
export type SummaryValue =
  | { kind: 'scalar'; tag: string; value: number }
  | { kind: 'histogram'; tag: string; histogram: Histogram }
  | { kind: 'text'; tag: string; text: string };

/** An Event: the file's version (its first record) or a summary of values at a step. */
export interface TensorBoardEvent {
  /** seconds since 1970 */
  wallTime: number;
  step: number;
  fileVersion?: string;
  summary?: SummaryValue[];
}

// proto3 leaves out plain fields at their default (0); the oneof simple_value is always written
function nonZeroDouble(writer: ProtoWriter, field: number, value: number): void {
  if (value !== 0) writer.double(field, value);
}

function encodeHistogram(histogram: Histogram): ProtoWriter {
  const writer = new ProtoWriter();
  nonZeroDouble(writer, HISTOGRAM.min, histogram.min);
  nonZeroDouble(writer, HISTOGRAM.max, histogram.max);
  nonZeroDouble(writer, HISTOGRAM.num, histogram.num);
  nonZeroDouble(writer, HISTOGRAM.sum, histogram.sum);
  nonZeroDouble(writer, HISTOGRAM.sumSquares, histogram.sumSquares);
  return writer
    .packedDoubles(HISTOGRAM.bucketLimit, histogram.bucketLimit)
    .packedDoubles(HISTOGRAM.bucket, histogram.bucket);
}

function encodeValue(value: SummaryValue): ProtoWriter {
  const writer = new ProtoWriter().string(VALUE.tag, value.tag);
  switch (value.kind) {
    case 'scalar':
      return writer.float(VALUE.simpleValue, value.value);
    case 'histogram':
      return writer.message(VALUE.histo, encodeHistogram(value.histogram));
    case 'text': {
      // a scalar string tensor (an empty shape) and the text plugin's name, as its summary op writes
      const tensor = new ProtoWriter()
        .varint(TENSOR.dtype, DT_STRING)
        .message(TENSOR.tensorShape, new ProtoWriter())
        .string(TENSOR.stringVal, value.text);
      const plugin = new ProtoWriter().string(PLUGIN_DATA.pluginName, 'text');
      return writer
        .message(VALUE.tensor, tensor)
        .message(VALUE.metadata, new ProtoWriter().message(METADATA.pluginData, plugin));
    }
    default: {
      const unknown: never = value;
      throw new Error(`unknown summary value ${JSON.stringify(unknown)}`);
    }
  }
}

export function encodeEvent(event: TensorBoardEvent): Uint8Array {
  const writer = new ProtoWriter();
  nonZeroDouble(writer, EVENT.wallTime, event.wallTime);
  if (event.step !== 0) writer.varint(EVENT.step, event.step);
  if (event.fileVersion !== undefined) writer.string(EVENT.fileVersion, event.fileVersion);
  if (event.summary) {
    const summary = new ProtoWriter();
    for (const value of event.summary) summary.message(SUMMARY.value, encodeValue(value));
    writer.message(EVENT.summary, summary);
  }
  return writer.finish();
}

function decodeHistogram(bytes: Uint8Array): Histogram {
  const histogram: Histogram = {
    min: 0,
    max: 0,
    num: 0,
    sum: 0,
    sumSquares: 0,
    bucketLimit: [],
    bucket: [],
  };
  for (const { field, wire, value } of readFields(bytes)) {
    if (wire === 'bytes' && field === HISTOGRAM.bucketLimit)
      histogram.bucketLimit.push(...unpackDoubles(value));
    else if (wire === 'bytes' && field === HISTOGRAM.bucket)
      histogram.bucket.push(...unpackDoubles(value));
    else if (wire === 'number') {
      const name = (Object.keys(HISTOGRAM) as (keyof typeof HISTOGRAM)[]).find(
        (key) => HISTOGRAM[key] === field,
      );
      if (name && name !== 'bucketLimit' && name !== 'bucket') histogram[name] = value;
    }
  }
  return histogram;
}

/** The first string of a string tensor. */
function tensorText(bytes: Uint8Array): string | undefined {
  for (const { field, wire, value } of readFields(bytes))
    if (field === TENSOR.stringVal && wire === 'bytes') return utf8Text(value);
  return undefined;
}

/** One value of a summary; undefined for the kinds this reader does not know (images, audio). */
function decodeValue(bytes: Uint8Array): SummaryValue | undefined {
  let tag = '';
  let value: SummaryValue | undefined;
  for (const field of readFields(bytes)) {
    if (field.field === VALUE.tag && field.wire === 'bytes') tag = utf8Text(field.value);
    else if (field.field === VALUE.simpleValue && field.wire === 'number')
      value = { kind: 'scalar', tag, value: field.value };
    else if (field.field === VALUE.histo && field.wire === 'bytes')
      value = { kind: 'histogram', tag, histogram: decodeHistogram(field.value) };
    else if (field.field === VALUE.tensor && field.wire === 'bytes') {
      const text = tensorText(field.value);
      if (text !== undefined) value = { kind: 'text', tag, text };
    }
  }
  return value && { ...value, tag };
}

export function decodeEvent(bytes: Uint8Array): TensorBoardEvent {
  const event: TensorBoardEvent = { wallTime: 0, step: 0 };
  for (const field of readFields(bytes)) {
    if (field.field === EVENT.wallTime && field.wire === 'number') event.wallTime = field.value;
    else if (field.field === EVENT.step && field.wire === 'number') event.step = field.value;
    else if (field.field === EVENT.fileVersion && field.wire === 'bytes')
      event.fileVersion = utf8Text(field.value);
    else if (field.field === EVENT.summary && field.wire === 'bytes') {
      event.summary = [];
      for (const value of readFields(field.value))
        if (value.field === SUMMARY.value && value.wire === 'bytes') {
          const decoded = decodeValue(value.value);
          if (decoded) event.summary.push(decoded);
        }
    }
  }
  return event;
}
