// A checkpoint as one file: a magic line, a JSON header, then the typed arrays as raw bytes
// (JSON numbers would triple the size and lose float32 exactness).
import type { Checkpoint } from './trainer';

const MAGIC = 'LOWRANK-STUDIO-CHECKPOINT 1\n';

type TypedArray = Float32Array | Uint32Array | Float64Array;
const KINDS = { f32: Float32Array, u32: Uint32Array, f64: Float64Array } as const;
type Kind = keyof typeof KINDS;

function kindOf(value: unknown): Kind | null {
  if (value instanceof Float32Array) return 'f32';
  if (value instanceof Uint32Array) return 'u32';
  if (value instanceof Float64Array) return 'f64';
  return null;
}

export function encodeCheckpoint(checkpoint: Checkpoint): Uint8Array {
  const arrays: TypedArray[] = [];
  let offset = 0;
  const header = JSON.stringify(checkpoint, (_, value: unknown) => {
    const kind = kindOf(value);
    if (!kind) return value;
    const array = value as TypedArray;
    offset = Math.ceil(offset / 8) * 8;
    const entry = { $typed: kind, offset, length: array.length };
    arrays.push(array);
    offset += array.byteLength;
    return entry;
  });
  const headerBytes = new TextEncoder().encode(MAGIC + header + '\n');
  const start = Math.ceil(headerBytes.length / 8) * 8;
  const out = new Uint8Array(start + offset);
  out.set(headerBytes);
  let at = 0;
  for (const array of arrays) {
    at = Math.ceil(at / 8) * 8;
    out.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), start + at);
    at += array.byteLength;
  }
  return out;
}

export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  const magic = new TextDecoder().decode(bytes.subarray(0, MAGIC.length));
  if (magic !== MAGIC)
    throw new Error('not a checkpoint of this studio (the file does not start with its header)');
  const newline = bytes.indexOf(10, MAGIC.length);
  if (newline < 0) throw new Error('the checkpoint file is truncated (no end of header)');
  const start = Math.ceil((newline + 1) / 8) * 8;
  let parsed: unknown;
  try {
    parsed = JSON.parse(
      new TextDecoder().decode(bytes.subarray(MAGIC.length, newline)),
      (_, value) => {
        if (!value || typeof value !== 'object' || !('$typed' in value)) return value;
        const { $typed, offset, length } = value as {
          $typed: Kind;
          offset: number;
          length: number;
        };
        const Type = KINDS[$typed];
        const byteLength = length * Type.BYTES_PER_ELEMENT;
        if (!Type || start + offset + byteLength > bytes.length)
          throw new Error('the checkpoint file is truncated');
        return new Type(bytes.slice(start + offset, start + offset + byteLength).buffer);
      },
    );
  } catch (error) {
    throw new Error(`the checkpoint file is damaged: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const checkpoint = parsed as Checkpoint;
  if (checkpoint?.version !== 1 || !Array.isArray(checkpoint.variables))
    throw new Error('unsupported checkpoint version');
  return checkpoint;
}
