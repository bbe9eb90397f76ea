// Validates a message at the worker boundary: unknown types or fields, NaN or out-of-range values
// are refused with a message before anything changes.
import { validateConfig, validateLiveChange } from '../config';
import { CHANNELS } from '../data/dataset';
import {
  BACKENDS,
  type Command,
  type CommandType,
  type DatasetSource,
  type JobLimits,
} from '../protocol';
import { upgradeCheckpoint } from '../train/checkpointFile';

export class CommandError extends Error {
  constructor(
    message: string,
    readonly command?: CommandType,
  ) {
    super(message);
  }
}

/** Every field of a message but its tag. */
type FieldsOf<Message, Tag extends keyof Message> = Exclude<keyof Message, Tag>;
type CommandFields<T extends CommandType> = FieldsOf<Extract<Command, { type: T }>, 'type'>;
type SourceFields<K extends DatasetSource['kind']> = FieldsOf<
  Extract<DatasetSource, { kind: K }>,
  never
>;

/**
 * Each command's fields, checked against protocol.ts by the compiler: a list that leaves out a
 * field, or names one the command does not have, does not build. A field added to a command in
 * protocol.ts fails the build until it is listed (and validated) here.
 */
const COMMAND_FIELDS: { [T in CommandType]: Record<CommandFields<T>, true> } = {
  init: { preferred: true, remembered: true },
  loadDataset: { source: true, loadId: true, prepared: true },
  cancelDatasetLoad: { loadId: true },
  listDatasetCache: {},
  clearDatasetCache: {},
  configure: { config: true, limits: true, compareWithDense: true, start: true },
  start: {},
  pause: {},
  resume: {},
  step: {},
  stop: {},
  reset: {},
  setHyperparameters: { values: true },
  pruneNow: {},
  evaluate: {},
  checkpoint: {},
  restore: { checkpoint: true },
  export: {},
  predict: { requestId: true, target: true, image: true },
  loadModel: { name: true, zip: true },
  resumeSaved: { loadId: true, lowerLearningRate: true },
  discardSaved: {},
  memoryReport: {},
};

/** Each dataset source's fields, its `kind` included, read off protocol.ts the same way. */
const SOURCE_FIELDS: { [K in DatasetSource['kind']]: Record<SourceFields<K>, true> } = {
  builtin: { kind: true, seed: true, size: true, trainCount: true, testCount: true },
  files: { kind: true, files: true, cifar100Labels: true },
  url: { kind: true, url: true, cifar100Labels: true },
  huggingface: {
    kind: true,
    dataset: true,
    trainUrl: true,
    testUrl: true,
    cifar100Labels: true,
  },
  imageFolder: {
    kind: true,
    name: true,
    archive: true,
    files: true,
    testFraction: true,
    side: true,
  },
  cached: { kind: true, key: true, name: true },
};

const LIMIT_FIELDS: Record<keyof JobLimits, true> = { trainLimit: true, testLimit: true };

const FIELDS = Object.fromEntries(
  Object.entries(COMMAND_FIELDS).map(([type, fields]) => [type, Object.keys(fields)]),
) as Record<CommandType, string[]>;

const sourceFields = (kind: DatasetSource['kind']) => Object.keys(SOURCE_FIELDS[kind]);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function checkFields(
  value: Record<string, unknown>,
  allowed: readonly string[],
  where: string,
  type: CommandType,
) {
  const unknown = Object.keys(value).filter((key) => !allowed.includes(key));
  if (unknown.length)
    throw new CommandError(
      `${where}: unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`,
      type,
    );
}

function positiveInteger(value: unknown, name: string, type: CommandType): void {
  if (value !== undefined && !(Number.isInteger(value) && (value as number) > 0)) {
    throw new CommandError(`${name} must be a positive whole number, got ${String(value)}`, type);
  }
}

/** A prepared built-in set must be exactly what its source describes. */
function checkPrepared(prepared: unknown, source: Record<string, unknown>): void {
  const refuse = (why: string) => {
    throw new CommandError(`the prepared built-in set ${why}`, 'loadDataset');
  };
  if (source.kind !== 'builtin') refuse('comes only with a builtin source');
  if (!isObject(prepared) || prepared.kind !== 'builtin') refuse('is missing or not built-in');
  const set = prepared as Record<string, unknown>;
  if (set.height !== source.size || set.width !== source.size) refuse('has another image size');
  const splits = { train: source.trainCount, test: source.testCount };
  for (const [name, count] of Object.entries(splits)) {
    const split = set[name];
    if (
      !isObject(split) ||
      split.count !== count ||
      !(split.images instanceof Uint8Array) ||
      !(split.labels instanceof Uint8Array) ||
      split.labels.length !== count ||
      split.images.length !== (count as number) * (source.size as number) ** 2 * CHANNELS
    )
      refuse(`has a ${name} split of another shape`);
  }
  if (!Array.isArray(set.classNames) || typeof set.name !== 'string') refuse('has no class names');
}

function checkImageFolder(source: Record<string, unknown>): void {
  checkFields(source, sourceFields('imageFolder'), 'image folder source', 'loadDataset');
  const refuse = (why: string) => {
    throw new CommandError(`an image folder source ${why}`, 'loadDataset');
  };
  if (typeof source.name !== 'string') refuse('needs a name');
  const files = source.files;
  const listed =
    Array.isArray(files) &&
    files.length > 0 &&
    files.every(
      (entry) => isObject(entry) && typeof entry.path === 'string' && isObject(entry.file),
    );
  if (!(isObject(source.archive) || listed)) refuse('needs an archive or a list of files');
  const fraction = source.testFraction;
  if (!(typeof fraction === 'number' && fraction > 0 && fraction < 1))
    refuse(`needs a test share between 0 and 1, got ${String(fraction)}`);
  if (!(
    Number.isInteger(source.side) &&
    (source.side as number) >= 8 &&
    (source.side as number) <= 256
  ))
    refuse(`needs an image side of 8 to 256 pixels, got ${String(source.side)}`);
}

function checkSource(source: unknown): void {
  if (!isObject(source)) throw new CommandError('loadDataset: source is missing', 'loadDataset');
  if (source.kind === 'cached') {
    checkFields(source, sourceFields('cached'), 'cached source', 'loadDataset');
    if (typeof source.key !== 'string' || typeof source.name !== 'string')
      throw new CommandError('a cached source needs its key and name', 'loadDataset');
    return;
  }
  switch (source.kind) {
    case 'builtin':
      checkFields(source, sourceFields('builtin'), 'builtin source', 'loadDataset');
      positiveInteger(source.trainCount, 'trainCount', 'loadDataset');
      positiveInteger(source.testCount, 'testCount', 'loadDataset');
      positiveInteger(source.size, 'size', 'loadDataset');
      if (!Number.isInteger(source.seed))
        throw new CommandError('seed must be a whole number', 'loadDataset');
      return;
    case 'files':
      checkFields(source, sourceFields('files'), 'files source', 'loadDataset');
      if (!Array.isArray(source.files) || source.files.length === 0)
        throw new CommandError('no files given', 'loadDataset');
      break;
    case 'url':
      checkFields(source, sourceFields('url'), 'url source', 'loadDataset');
      if (typeof source.url !== 'string' || source.url.trim() === '')
        throw new CommandError('the URL is empty', 'loadDataset');
      break;
    case 'huggingface':
      checkFields(source, sourceFields('huggingface'), 'huggingface source', 'loadDataset');
      if (source.dataset !== 'cifar10' && source.dataset !== 'cifar100')
        throw new CommandError('dataset must be cifar10 or cifar100', 'loadDataset');
      for (const url of [source.trainUrl, source.testUrl]) {
        if (typeof url !== 'string' || url.trim() === '')
          throw new CommandError('both parquet URLs are needed', 'loadDataset');
      }
      break;
    case 'imageFolder':
      checkImageFolder(source);
      return;
    default:
      throw new CommandError(`unknown dataset source '${String(source.kind)}'`, 'loadDataset');
  }
  if (source.cifar100Labels !== 'fine' && source.cifar100Labels !== 'coarse') {
    throw new CommandError('cifar100Labels must be fine or coarse', 'loadDataset');
  }
}

/** Sides Try it accepts: the datasets' image sides (8-256 px) with room for an input size. */
const MAX_TRY_SIDE = 1024;
/** An exported model's zip larger than this is not one the studio wrote. */
const MAX_MODEL_ZIP_BYTES = 512 * 1024 * 1024;

function checkPredict(message: Record<string, unknown>): void {
  const refuse = (why: string) => {
    throw new CommandError(`predict: ${why}`, 'predict');
  };
  if (!Number.isInteger(message.requestId)) refuse('requestId must be a whole number');
  if (message.target !== 'job' && message.target !== 'loaded')
    refuse(`target must be job or loaded, got ${String(message.target)}`);
  const image = message.image;
  if (!isObject(image)) refuse('image is missing');
  const { pixels, side } = image as Record<string, unknown>;
  checkFields(image as Record<string, unknown>, ['pixels', 'side'], 'predict image', 'predict');
  if (!(Number.isInteger(side) && (side as number) >= 1 && (side as number) <= MAX_TRY_SIDE))
    refuse(`the image side must be 1 to ${MAX_TRY_SIDE} pixels, got ${String(side)}`);
  if (!(pixels instanceof Uint8Array) || pixels.length !== (side as number) ** 2 * CHANNELS)
    refuse(`the image must be side x side x 3 bytes of RGB`);
}

function checkLoadModel(message: Record<string, unknown>): void {
  if (typeof message.name !== 'string')
    throw new CommandError('loadModel: name must be the file name', 'loadModel');
  const zip = message.zip;
  if (!(zip instanceof Uint8Array) || zip.length === 0 || zip.length > MAX_MODEL_ZIP_BYTES)
    throw new CommandError(
      'loadModel: zip must be the bytes of an exported model (.zip, under 512 MB)',
      'loadModel',
    );
}

/** The message as a Command, or a CommandError saying what is wrong with it. */
export function parseCommand(message: unknown): Command {
  if (!isObject(message) || typeof message.type !== 'string' || !(message.type in FIELDS)) {
    const type = isObject(message) ? String(message.type) : typeof message;
    throw new CommandError(`unknown command '${type}'`);
  }
  const type = message.type as CommandType;
  checkFields(message, ['type', ...FIELDS[type]], type, type);
  try {
    switch (type) {
      case 'init': {
        if (message.preferred !== undefined && !BACKENDS.includes(message.preferred as never)) {
          throw new CommandError(`unknown backend '${String(message.preferred)}'`, type);
        }
        const remembered = message.remembered;
        if (
          remembered !== undefined &&
          (!isObject(remembered) ||
            !BACKENDS.includes(remembered.backend as never) ||
            typeof remembered.fingerprint !== 'string')
        ) {
          throw new CommandError('init: remembered must be { backend, fingerprint }', type);
        }
        break;
      }
      case 'loadDataset':
        checkSource(message.source);
        if (!Number.isInteger(message.loadId))
          throw new CommandError('loadDataset: loadId must be a whole number', type);
        if (message.prepared !== undefined)
          checkPrepared(message.prepared, message.source as Record<string, unknown>);
        break;
      case 'cancelDatasetLoad':
        if (!Number.isInteger(message.loadId))
          throw new CommandError('cancelDatasetLoad: loadId must be a whole number', type);
        break;
      case 'configure':
        if (!isObject(message.config)) throw new CommandError('configure: config is missing', type);
        validateConfig(message.config);
        if (
          message.compareWithDense !== undefined &&
          typeof message.compareWithDense !== 'boolean'
        ) {
          throw new CommandError('compareWithDense must be true or false', type);
        }
        if (message.limits !== undefined) {
          if (!isObject(message.limits)) throw new CommandError('limits must be an object', type);
          checkFields(message.limits, Object.keys(LIMIT_FIELDS), 'limits', type);
          positiveInteger(message.limits.trainLimit, 'trainLimit', type);
          positiveInteger(message.limits.testLimit, 'testLimit', type);
        }
        break;
      case 'setHyperparameters': {
        if (!isObject(message.values))
          throw new CommandError('setHyperparameters: values are missing', type);
        validateLiveChange(message.values);
        break;
      }
      case 'resumeSaved':
        if (!Number.isInteger(message.loadId) || typeof message.lowerLearningRate !== 'boolean')
          throw new CommandError(
            'resumeSaved needs a whole loadId and lowerLearningRate true or false',
            type,
          );
        break;
      case 'predict':
        checkPredict(message);
        break;
      case 'loadModel':
        checkLoadModel(message);
        break;
      case 'restore':
        message.checkpoint = upgradeCheckpoint(message.checkpoint);
        break;
      default:
        break;
    }
  } catch (error) {
    if (error instanceof CommandError) throw error;
    throw new CommandError((error as Error).message, type);
  }
  return message as unknown as Command;
}
