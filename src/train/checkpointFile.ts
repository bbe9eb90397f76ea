// A checkpoint as one file: a magic line, a JSON header, then the typed arrays as raw bytes
// (JSON numbers would triple the size and lose float32 exactness).
import { DEFAULT_CONFIG, KNOBS, knobError } from '../config';
import { freshPolicyState } from '../lowrank/pruningPolicy';
import type { Checkpoint } from './trainerState';

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
  if (saved.version === 2) return checkCheckpoint(saved as Checkpoint);
  if (saved.version !== 1)
    throw new Error(`unsupported checkpoint version ${String(saved.version)}`);
  const {
    warmupEpochs = 0,
    rankRampEpochs = 0,
    ...rest
  } = (saved.config ?? {}) as Record<string, number>;
  const epochs = Number(rest.epochs) || DEFAULT_CONFIG.epochs;
  return checkCheckpoint({
    ...(saved as Checkpoint),
    version: 2,
    config: {
      ...DEFAULT_CONFIG,
      ...(rest as Partial<Checkpoint['config']>),
      warmupFraction: Math.min(0.5, warmupEpochs / epochs),
      rankRampFraction: Math.min(1, rankRampEpochs / epochs),
    },
    pruningPolicy: freshPolicyState(),
  });
}

const isCount = (value: unknown) => Number.isInteger(value) && (value as number) >= 0;

/**
 * Every field of a checkpoint checked before anything is built from it: the settings through the
 * knob table (all of them, in range), the limits, the position in the run, and every array's
 * length against its shape. Returns it, or throws with everything that is wrong.
 */
export function checkCheckpoint(checkpoint: Checkpoint): Checkpoint {
  const problems: string[] = [];
  const config = (checkpoint.config ?? {}) as unknown as Record<string, unknown>;
  for (const name of Object.keys(KNOBS)) {
    const error = name in config ? knobError(name, config[name]) : `${name} is missing`;
    if (error) problems.push(error);
  }
  for (const name of Object.keys(config))
    if (!(name in KNOBS)) problems.push(`unknown setting '${name}'`);
  for (const [name, value] of Object.entries(checkpoint.options ?? {}))
    if (value !== undefined && !(isCount(value) && value > 0))
      problems.push(`${name} must be a positive whole number, got ${String(value)}`);
  if (!isCount(checkpoint.step))
    problems.push(`step must be a whole number >= 0, got ${String(checkpoint.step)}`);
  const cursor = checkpoint.cursor;
  if (
    !cursor ||
    !isCount(cursor.epoch) ||
    !isCount(cursor.position) ||
    !(cursor.order instanceof Uint32Array)
  )
    problems.push('the position in the epoch is damaged');
  for (const variable of checkpoint.variables) {
    const size = Array.isArray(variable?.shape)
      ? variable.shape.reduce((n, d) => (isCount(d) ? n * d : Number.NaN), 1)
      : Number.NaN;
    if (!(variable?.values instanceof Float32Array) || variable.values.length !== size)
      problems.push(`${String(variable?.name)}: its values do not fill its shape`);
  }
  if (!checkpoint.optimiser || !Array.isArray(checkpoint.optimiser.slots))
    problems.push("the optimiser's state is missing");
  if (!checkpoint.pruningPolicy || !Array.isArray(checkpoint.pruningPolicy.fading))
    problems.push("the pruning policy's state is missing");
  if (problems.length)
    throw new Error(
      `the checkpoint cannot be used: ${problems.slice(0, 8).join('; ')}${problems.length > 8 ? `; and ${problems.length - 8} more` : ''}`,
    );
  return checkpoint;
}
