import { describe, expect, it } from 'vitest';
import { decodeEventFile, encodeEventFile, FILE_VERSION } from './eventFile';
import type { TensorBoardEvent } from './eventProto';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/**
 * Made once with TensorBoard 2.21's own protos and writer (Python):
 *   w = tensorboard.summary.writer.record_writer.RecordWriter(io.BytesIO())
 *   w.write(event_pb2.Event(wall_time=1700000000.25, file_version="brain.Event:2").SerializeToString())
 *   w.write(event_pb2.Event(wall_time=1700000000.25, step=42, summary=summary_pb2.Summary(
 *       value=[summary_pb2.Summary.Value(tag="loss/total", simple_value=0.75)])).SerializeToString())
 * python/tests/test_tensorboard.py holds the same bytes.
 */
export const SCALAR_FILE_HEX =
  '1800000000000000a37f4b220900001040fc54d9411a0d627261696e2e4576656e743a32338d2fe9' +
  '200000000000000029eda9500900001040fc54d941102a2a130a110a0a6c6f73732f746f74616c150000403f45a9a3fb';

/**
 * The same way: a version record at 1700000000.0, then text_pb("run/header", '{\n  "a": "é"\n}')
 * (tensorboard.plugins.text.summary_v2) at step 0, then a HistogramProto(min=0.5, max=2, num=3,
 * sum=3.5, sum_squares=5.25, bucket_limit=[1, 2], bucket=[1, 2]) tagged "spectrum/x" at step 7,
 * wall time 1700000001.5.
 */
const TEXT_AND_HISTOGRAM_FILE_HEX =
  '1800000000000000a37f4b220900000040fc54d9411a0d627261696e2e4576656e743a32eced8f9d3a000000000000001295eae20900000040fc54d9412a2f0a2d0a0a72756e2f686561646572421508071200420f7b0a20202261223a2022c3a9220a7d4a080a060a04746578749eee20ac6e00000000000000c4bf33640900006040fc54d94110072a610a5f0a0a737065637472756d2f782a5109000000000000e03f110000000000000040190000000000000840210000000000000c402900000000000015403210000000000000f03f00000000000000403a10000000000000f03f0000000000000040ece99650';

const scalar: TensorBoardEvent = {
  wallTime: 1700000000.25,
  step: 42,
  summary: [{ kind: 'scalar', tag: 'loss/total', value: 0.75 }],
};
const textAndHistogram: TensorBoardEvent[] = [
  {
    wallTime: 1700000000,
    step: 0,
    summary: [{ kind: 'text', tag: 'run/header', text: '{\n  "a": "é"\n}' }],
  },
  {
    wallTime: 1700000001.5,
    step: 7,
    summary: [
      {
        kind: 'histogram',
        tag: 'spectrum/x',
        histogram: {
          min: 0.5,
          max: 2,
          num: 3,
          sum: 3.5,
          sumSquares: 5.25,
          bucketLimit: [1, 2],
          bucket: [1, 2],
        },
      },
    ],
  },
];

describe('event files', () => {
  it('encode a scalar byte for byte as TensorBoard writes it', () => {
    expect(hex(encodeEventFile([scalar]))).toBe(SCALAR_FILE_HEX);
  });

  it('encode text and a histogram byte for byte as TensorBoard writes them', () => {
    expect(hex(encodeEventFile(textAndHistogram))).toBe(TEXT_AND_HISTOGRAM_FILE_HEX);
  });

  it('decode what they encode, the version record first', () => {
    const events = decodeEventFile(encodeEventFile(textAndHistogram));
    expect(events[0]).toEqual({ wallTime: 1700000000, step: 0, fileVersion: FILE_VERSION });
    expect(events.slice(1)).toEqual(textAndHistogram);
  });

  it('reject a flipped byte with the record and its bad CRC', () => {
    const bytes = encodeEventFile([scalar]);
    const data = bytes.slice();
    data[data.length - 10] ^= 0x01; // inside the second record's Event
    expect(() => decodeEventFile(data)).toThrow(
      /event file record 2 \(at byte 40\) has a bad data CRC/,
    );
    const length = bytes.slice();
    length[40] ^= 0x01; // the second record's length
    expect(() => decodeEventFile(length)).toThrow(/record 2 .* bad length CRC/);
  });

  it('reject a cut file with the record that is truncated', () => {
    const bytes = encodeEventFile([scalar]);
    expect(() => decodeEventFile(bytes.subarray(0, bytes.length - 3))).toThrow(
      /event file record 2 \(at byte 40\) is truncated: it needs 48 bytes, the file has 45 left/,
    );
    expect(() => decodeEventFile(bytes.subarray(0, 50))).toThrow(/record 2 .* is truncated/);
  });
});
