// TensorBoard event files: TFRecord files of Event messages, the file's version first. Written by
// hand (with crc32c.ts and protobuf.ts): no maintained browser library writes them, and the
// format is small and fixed. Each record is its length (uint64), the masked CRC-32C of those 8
// bytes, the Event, and the masked CRC-32C of the Event, all little-endian.
import { maskedCrc32c } from './crc32c';
import { decodeEvent, encodeEvent, type TensorBoardEvent } from './eventProto';

export const FILE_VERSION = 'brain.Event:2';

function record(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + 4 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

/** The file: a version record at the first event's wall time, then `events` in order. */
export function encodeEventFile(events: readonly TensorBoardEvent[]): Uint8Array {
  const version: TensorBoardEvent = {
    wallTime: events[0]?.wallTime ?? 0,
    step: 0,
    fileVersion: FILE_VERSION,
  };
  const records = [version, ...events].map((event) => record(encodeEvent(event)));
  const out = new Uint8Array(records.reduce((sum, r) => sum + r.length, 0));
  let at = 0;
  for (const r of records) {
    out.set(r, at);
    at += r.length;
  }
  return out;
}

/**
 * Every event of a file, the version record included. Both CRCs of every record are checked: a
 * damaged or cut file fails with the record (counted from 1) and what is wrong with it.
 */
export function decodeEventFile(bytes: Uint8Array): TensorBoardEvent[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const events: TensorBoardEvent[] = [];
  for (let at = 0, number = 1; at < bytes.length; number++) {
    const where = `event file record ${number} (at byte ${at})`;
    const truncated = (needed: number) =>
      new Error(
        `${where} is truncated: it needs ${needed} bytes, the file has ${bytes.length - at} left. The file was cut short (a copy or download that stopped early, or a writer still running)`,
      );
    if (at + 12 > bytes.length) throw truncated(12);
    if (view.getUint32(at + 8, true) !== maskedCrc32c(bytes.subarray(at, at + 8)))
      throw new Error(`${where} has a bad length CRC: the file is damaged`);
    const length = Number(view.getBigUint64(at, true));
    if (at + 12 + length + 4 > bytes.length) throw truncated(12 + length + 4);
    const data = bytes.subarray(at + 12, at + 12 + length);
    if (view.getUint32(at + 12 + length, true) !== maskedCrc32c(data))
      throw new Error(`${where} has a bad data CRC: the file is damaged`);
    try {
      events.push(decodeEvent(data));
    } catch (error) {
      throw new Error(`${where} is not an Event: ${(error as Error).message}`, { cause: error });
    }
    at += 12 + length + 4;
  }
  return events;
}
