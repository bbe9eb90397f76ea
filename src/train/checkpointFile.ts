// A checkpoint as one file: a magic line, a JSON header, then the typed arrays as raw bytes
// (JSON numbers would triple the size and lose float32 exactness).
import { DEFAULT_CONFIG } from '../config';
import { freshPolicyState } from './pruningPolicy';
import type { Checkpoint } from './trainer';

const MAGIC = 'LOWRANK-STUDIO-CHECKPOINT 1\n'; // the file layout's version, not the content's

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
  return upgradeCheckpoint(parsed);
}

/**
 * A checkpoint of this or an earlier version in today's form. Version 1 counted its schedules in
 * epochs and had no pruning policy: its warm-up and rank ramp become fractions of the run, the
 * knobs added since take their defaults, and the policy starts afresh.
 */
export function upgradeCheckpoint(value: unknown): Checkpoint {
  const saved = value as Partial<Checkpoint> & { version?: unknown };
  if (!saved || typeof saved !== 'object' || !Array.isArray(saved.variables))
    throw new Error('not a checkpoint of this studio');
  if (saved.version === 2) return saved as Checkpoint;
  if (saved.version !== 1)
    throw new Error(`unsupported checkpoint version ${String(saved.version)}`);
  const {
    warmupEpochs = 0,
    rankRampEpochs = 0,
    ...rest
  } = (saved.config ?? {}) as Record<string, number>;
  const epochs = Number(rest.epochs) || DEFAULT_CONFIG.epochs;
  return {
    ...(saved as Checkpoint),
    version: 2,
    config: {
      ...DEFAULT_CONFIG,
      ...(rest as Partial<Checkpoint['config']>),
      warmupFraction: Math.min(0.5, warmupEpochs / epochs),
      rankRampFraction: Math.min(1, rankRampEpochs / epochs),
    },
    pruningPolicy: freshPolicyState(),
  };
}
