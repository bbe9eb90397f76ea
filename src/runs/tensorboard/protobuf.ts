// The little of Protocol Buffers' wire format that TensorBoard's event files need: varints,
// doubles, floats and length-delimited fields, written and read by hand (see eventFile.ts for why
// no library). Field numbers live with the messages, in eventProto.ts.

const WIRE = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 } as const;

const utf8 = new TextEncoder();

/** Builds one message; fields are written in the order they are called (by number, by custom). */
export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private length = 0;

  private push(bytes: Uint8Array): this {
    this.chunks.push(bytes);
    this.length += bytes.length;
    return this;
  }

  private key(field: number, wire: number): this {
    return this.rawVarint(field * 8 + wire);
  }

  /** A non-negative whole number below 2^53 (steps, lengths, enums), in base-128 groups. */
  private rawVarint(value: number): this {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new Error(`a varint must be a whole number from 0 to 2^53, got ${value}`);
    const bytes: number[] = [];
    for (; value >= 0x80; value = Math.floor(value / 0x80)) bytes.push((value % 0x80) | 0x80);
    bytes.push(value);
    return this.push(Uint8Array.from(bytes));
  }

  varint(field: number, value: number): this {
    return this.key(field, WIRE.varint).rawVarint(value);
  }

  double(field: number, value: number): this {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setFloat64(0, value, true);
    return this.key(field, WIRE.fixed64).push(bytes);
  }

  float(field: number, value: number): this {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    return this.key(field, WIRE.fixed32).push(bytes);
  }

  bytes(field: number, value: Uint8Array): this {
    return this.key(field, WIRE.bytes).rawVarint(value.length).push(value);
  }

  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  message(field: number, message: ProtoWriter): this {
    return this.bytes(field, message.finish());
  }

  /** A packed repeated double (proto3's default for repeated scalars); nothing when empty. */
  packedDoubles(field: number, values: readonly number[]): this {
    if (values.length === 0) return this;
    const bytes = new Uint8Array(8 * values.length);
    const view = new DataView(bytes.buffer);
    values.forEach((value, i) => view.setFloat64(8 * i, value, true));
    return this.bytes(field, bytes);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }
}

/** One field as read: a varint's value, a double or float's value, or a length-delimited body. */
export type ProtoField =
  | { field: number; wire: 'number'; value: number }
  | { field: number; wire: 'bytes'; value: Uint8Array };

/** The fields of one message in the order they appear; a malformed message throws. */
export function* readFields(bytes: Uint8Array): Generator<ProtoField> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const need = (count: number) => {
    if (at + count > bytes.length) throw new Error('a protobuf message ends inside a field');
  };
  const varint = () => {
    let value = 0;
    for (let scale = 1; ; scale *= 0x80) {
      need(1);
      const byte = bytes[at++];
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
    }
  };
  while (at < bytes.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    switch (key % 8) {
      case WIRE.varint:
        yield { field, wire: 'number', value: varint() };
        break;
      case WIRE.fixed64:
        need(8);
        yield { field, wire: 'number', value: view.getFloat64(at, true) };
        at += 8;
        break;
      case WIRE.fixed32:
        need(4);
        yield { field, wire: 'number', value: view.getFloat32(at, true) };
        at += 4;
        break;
      case WIRE.bytes: {
        const length = varint();
        need(length);
        yield { field, wire: 'bytes', value: bytes.subarray(at, at + length) };
        at += length;
        break;
      }
      default:
        throw new Error(`a protobuf field has wire type ${key % 8}, which event files do not use`);
    }
  }
}

export function unpackDoubles(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.length / 8 }, (_, i) => view.getFloat64(8 * i, true));
}

export const utf8Text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
