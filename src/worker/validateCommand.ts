// Validates a message at the worker boundary: unknown types or fields, NaN or out-of-range values
// are refused with a message before anything changes.
import { validateConfig, validateLiveChange } from '../config';
import { CHANNELS } from '../data/dataset';
import { BACKENDS, type Command, type CommandType } from '../protocol';
import { upgradeCheckpoint } from '../train/checkpointFile';

export class CommandError extends Error {
  constructor(
    message: string,
    readonly command?: CommandType,
  ) {
    super(message);
  }
}

const FIELDS: Record<CommandType, readonly string[]> = {
  init: ['preferred', 'remembered'],
  loadDataset: ['source', 'loadId', 'prepared'],
  listDatasetCache: [],
  clearDatasetCache: [],
  configure: ['config', 'limits', 'compareWithDense', 'start'],
  start: [],
  pause: [],
  resume: [],
  step: [],
  stop: [],
  reset: [],
  setHyperparameters: ['values'],
  pruneNow: [],
  evaluate: [],
  checkpoint: [],
  restore: ['checkpoint'],
  export: [],
  resumeSaved: ['loadId', 'lowerLearningRate'],
  discardSaved: [],
  memoryReport: [],
};

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

function checkSource(source: unknown): void {
  if (!isObject(source)) throw new CommandError('loadDataset: source is missing', 'loadDataset');
  if (source.kind === 'cached') {
    checkFields(source, ['kind', 'key', 'name'], 'cached source', 'loadDataset');
    if (typeof source.key !== 'string' || typeof source.name !== 'string')
      throw new CommandError('a cached source needs its key and name', 'loadDataset');
    return;
  }
  switch (source.kind) {
    case 'builtin':
      checkFields(
        source,
        ['kind', 'seed', 'size', 'trainCount', 'testCount'],
        'builtin source',
        'loadDataset',
      );
      positiveInteger(source.trainCount, 'trainCount', 'loadDataset');
      positiveInteger(source.testCount, 'testCount', 'loadDataset');
      positiveInteger(source.size, 'size', 'loadDataset');
      if (!Number.isInteger(source.seed))
        throw new CommandError('seed must be a whole number', 'loadDataset');
      return;
    case 'files':
      checkFields(source, ['kind', 'files', 'cifar100Labels'], 'files source', 'loadDataset');
      if (!Array.isArray(source.files) || source.files.length === 0)
        throw new CommandError('no files given', 'loadDataset');
      break;
    case 'url':
      checkFields(source, ['kind', 'url', 'cifar100Labels'], 'url source', 'loadDataset');
      if (typeof source.url !== 'string' || source.url.trim() === '')
        throw new CommandError('the URL is empty', 'loadDataset');
      break;
    case 'huggingface':
      checkFields(
        source,
        ['kind', 'dataset', 'trainUrl', 'testUrl', 'cifar100Labels'],
        'huggingface source',
        'loadDataset',
      );
      if (source.dataset !== 'cifar10' && source.dataset !== 'cifar100')
        throw new CommandError('dataset must be cifar10 or cifar100', 'loadDataset');
      for (const url of [source.trainUrl, source.testUrl]) {
        if (typeof url !== 'string' || url.trim() === '')
          throw new CommandError('both parquet URLs are needed', 'loadDataset');
      }
      break;
    default:
      throw new CommandError(`unknown dataset source '${String(source.kind)}'`, 'loadDataset');
  }
  if (source.cifar100Labels !== 'fine' && source.cifar100Labels !== 'coarse') {
    throw new CommandError('cifar100Labels must be fine or coarse', 'loadDataset');
  }
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
          checkFields(message.limits, ['trainLimit', 'testLimit'], 'limits', type);
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
