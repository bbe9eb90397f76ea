// Parses the official CIFAR-10/100 binary releases from a .tar.gz, a .tar or loose .bin files,
// streaming: gzip is undone by the platform's DecompressionStream and records are written
// straight into NHWC arrays as bytes arrive.
import { CIFAR100_COARSE_CLASSES, CIFAR100_FINE_CLASSES, CIFAR10_CLASSES } from './cifarNames';
import { CHANNELS, type ImageDataset, type Split } from './dataset';
import { gunzip, looksLikeHtml, peek, pipeAll } from './streams';
import { ArchiveError, looksLikeTar, readTar, type ByteSink } from './tar';

export class DatasetError extends Error {}

/** Anything with a name and a byte stream: a browser File, a fetched body, a Node file. */
export interface SourceFile {
  name: string;
  /** bytes, where known up front (File.size, Content-Length, stat) */
  size?: number;
  stream(): ReadableStream<Uint8Array>;
}

export type Cifar100Labels = 'fine' | 'coarse';

const SIDE = 32;
const PIXELS = SIDE * SIDE;
const IMAGE_BYTES = PIXELS * CHANNELS;
const CIFAR10_TRAIN = [
  'data_batch_1.bin',
  'data_batch_2.bin',
  'data_batch_3.bin',
  'data_batch_4.bin',
  'data_batch_5.bin',
];

type Role =
  | { kind: 'cifar10'; split: 'train' | 'test' }
  | { kind: 'cifar100'; split: 'train' | 'test' }
  | { kind: 'cifar10' | 'cifar100'; names: 'meta' | 'fine' | 'coarse' };

function roleOf(fileName: string): Role | null {
  const base = fileName.split('/').pop() ?? fileName;
  if (CIFAR10_TRAIN.includes(base)) return { kind: 'cifar10', split: 'train' };
  if (base === 'test_batch.bin') return { kind: 'cifar10', split: 'test' };
  if (base === 'batches.meta.txt') return { kind: 'cifar10', names: 'meta' };
  if (base === 'train.bin') return { kind: 'cifar100', split: 'train' };
  if (base === 'test.bin') return { kind: 'cifar100', split: 'test' };
  if (base === 'fine_label_names.txt') return { kind: 'cifar100', names: 'fine' };
  if (base === 'coarse_label_names.txt') return { kind: 'cifar100', names: 'coarse' };
  return null;
}

/** Parses records of one .bin file as they stream in. */
/** Records in an official file: 10,000 a CIFAR-10 batch and a test file, 50,000 CIFAR-100's train.bin. */
export function officialRecords(fileName: string): number {
  return fileName === 'train.bin' ? 50_000 : 10_000;
}

function tooManyRecords(
  fileName: string,
  kind: 'cifar10' | 'cifar100',
  most: number,
  count?: number,
): string {
  const held =
    count === undefined
      ? `more than ${most.toLocaleString('en-US')}`
      : Math.floor(count).toLocaleString('en-US');
  return `${fileName}: holds ${held} records, where an official ${kind === 'cifar10' ? 'CIFAR-10' : 'CIFAR-100'} ${fileName} holds ${most.toLocaleString('en-US')}: it is not a CIFAR file, or several were joined`;
}

class RecordSink implements ByteSink {
  private record: Uint8Array;
  private fill = 0;
  private images: Uint8Array[] = [];
  private labels: number[] = [];
  private current: Uint8Array;
  private inCurrent = 0;
  count = 0;
  /** more than an official file of this name holds is refused, before memory runs out */
  readonly maxRecords: number;

  constructor(
    readonly fileName: string,
    readonly kind: 'cifar10' | 'cifar100',
    private labelChoice: Cifar100Labels,
  ) {
    this.maxRecords = officialRecords(fileName);
    this.record = new Uint8Array(this.recordSize);
    this.current = new Uint8Array(1000 * IMAGE_BYTES);
  }

  get recordSize(): number {
    return (this.kind === 'cifar10' ? 1 : 2) + IMAGE_BYTES;
  }

  write(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(this.recordSize - this.fill, chunk.length - offset);
      this.record.set(chunk.subarray(offset, offset + take), this.fill);
      this.fill += take;
      offset += take;
      if (this.fill === this.recordSize) {
        this.fill = 0;
        this.takeRecord();
      }
    }
  }

  private takeRecord(): void {
    const labelBytes = this.kind === 'cifar10' ? 1 : 2;
    const label =
      this.kind === 'cifar10' || this.labelChoice === 'coarse' ? this.record[0] : this.record[1];
    const limits = this.kind === 'cifar10' ? [10] : [20, 100];
    for (let b = 0; b < labelBytes; b++) {
      if (this.record[b] >= limits[b]) {
        throw new DatasetError(
          `${this.fileName}, record ${this.count}: label ${this.record[b]} is out of range 0-${limits[b] - 1}; is this really a ${this.kind === 'cifar10' ? 'CIFAR-10' : 'CIFAR-100'} file?`,
        );
      }
    }
    if (this.count >= this.maxRecords)
      throw new DatasetError(tooManyRecords(this.fileName, this.kind, this.maxRecords));
    if (this.inCurrent === 1000) {
      this.images.push(this.current);
      this.current = new Uint8Array(1000 * IMAGE_BYTES);
      this.inCurrent = 0;
    }
    // planes R, G, B of 32x32 -> interleaved HWC
    const out = this.current;
    const base = this.inCurrent * IMAGE_BYTES;
    const pixels = this.record;
    for (let p = 0; p < PIXELS; p++) {
      out[base + p * 3] = pixels[labelBytes + p];
      out[base + p * 3 + 1] = pixels[labelBytes + PIXELS + p];
      out[base + p * 3 + 2] = pixels[labelBytes + 2 * PIXELS + p];
    }
    this.labels.push(label);
    this.inCurrent++;
    this.count++;
  }

  end(): void {
    if (this.fill !== 0) {
      throw new DatasetError(
        `${this.fileName}: ends inside a record (${this.fill} of ${this.recordSize} bytes): the file is truncated or is not ${this.kind === 'cifar10' ? 'CIFAR-10 (3073-byte records)' : 'CIFAR-100 (3074-byte records)'}`,
      );
    }
    if (this.count === 0) throw new DatasetError(`${this.fileName}: holds no records`);
  }

  chunks(): { images: Uint8Array[]; labels: number[] } {
    return {
      images: [...this.images, this.current.subarray(0, this.inCurrent * IMAGE_BYTES)],
      labels: this.labels,
    };
  }
}

class TextSink implements ByteSink {
  private parts: Uint8Array[] = [];
  text = '';
  write(chunk: Uint8Array): void {
    this.parts.push(chunk.slice());
  }
  end(): void {
    const decoder = new TextDecoder();
    this.text =
      this.parts.map((p) => decoder.decode(p, { stream: true })).join('') + decoder.decode();
  }
  lines(): string[] {
    return this.text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean);
  }
}

/** Collects the files of one CIFAR release, from any mix of inputs, and builds the dataset. */
class CifarCollector {
  records = new Map<string, RecordSink>();
  names = new Map<string, TextSink>();
  kinds = new Set<'cifar10' | 'cifar100'>();

  constructor(
    private labelChoice: Cifar100Labels,
    /** describe whatever was given (e.g. one batch file), leaving a missing split empty */
    private partial = false,
  ) {}

  ignored: string[] = [];

  open(path: string, size?: number): ByteSink | null {
    const role = roleOf(path);
    if (!role) {
      this.ignored.push(path);
      return null;
    }
    this.kinds.add(role.kind);
    const base = path.split('/').pop()!;
    if ('split' in role) {
      const sink = new RecordSink(base, role.kind, this.labelChoice);
      if (size !== undefined && size / sink.recordSize > sink.maxRecords)
        throw new DatasetError(
          tooManyRecords(base, role.kind, sink.maxRecords, size / sink.recordSize),
        );
      if (size !== undefined && size % sink.recordSize !== 0) {
        const name = role.kind === 'cifar10' ? 'CIFAR-10' : 'CIFAR-100';
        throw new DatasetError(
          `${base}: ${size} bytes is not a whole number of ${sink.recordSize}-byte ${name} records: the file is truncated or from another dataset`,
        );
      }
      this.records.set(base, sink);
      return sink;
    }
    const sink = new TextSink();
    this.names.set(role.names, sink);
    return sink;
  }

  build(fromArchive: boolean): ImageDataset {
    if (this.kinds.size === 0) {
      const named = this.ignored.length ? `${this.ignored.join(', ')}: ` : '';
      throw new DatasetError(
        named +
          'no CIFAR files found: expected cifar-10-binary.tar.gz / cifar-100-binary.tar.gz, their .tar, or the .bin files inside them (data_batch_1.bin ... test_batch.bin, or train.bin and test.bin)',
      );
    }
    if (this.kinds.size > 1)
      throw new DatasetError(
        'the inputs mix CIFAR-10 and CIFAR-100 files; load one dataset at a time',
      );
    const kind = [...this.kinds][0];
    const trainFiles = kind === 'cifar10' ? CIFAR10_TRAIN : ['train.bin'];
    const testFile = kind === 'cifar10' ? 'test_batch.bin' : 'test.bin';
    const presentTrain = trainFiles.filter((f) => this.records.has(f));
    const missing = [
      ...trainFiles.filter((f) => !this.records.has(f)),
      ...(this.records.has(testFile) ? [] : [testFile]),
    ];
    if (fromArchive && missing.length > 0) {
      throw new DatasetError(
        `the archive is missing ${missing.join(', ')}: it is incomplete or not an official CIFAR release`,
      );
    }
    if (presentTrain.length === 0 && !this.partial)
      throw new DatasetError(`no training batch given: add ${trainFiles.join(' / ')}`);
    if (!this.records.has(testFile) && !this.partial)
      throw new DatasetError(`no test batch given: add ${testFile}`);
    const classNames = this.classNames(kind);
    return {
      kind,
      name: kind === 'cifar10' ? 'CIFAR-10' : `CIFAR-100 (${this.labelChoice} labels)`,
      classNames,
      height: SIDE,
      width: SIDE,
      train: concatSplits(presentTrain.map((f) => this.records.get(f)!)),
      test: concatSplits(this.records.has(testFile) ? [this.records.get(testFile)!] : []),
    };
  }

  private classNames(kind: 'cifar10' | 'cifar100'): string[] {
    const key = kind === 'cifar10' ? 'meta' : this.labelChoice;
    const defaults =
      kind === 'cifar10'
        ? CIFAR10_CLASSES
        : this.labelChoice === 'fine'
          ? CIFAR100_FINE_CLASSES
          : CIFAR100_COARSE_CLASSES;
    const lines = this.names.get(key)?.lines() ?? [];
    return lines.length === defaults.length ? lines : defaults;
  }
}

function concatSplits(sinks: RecordSink[]): Split {
  const count = sinks.reduce((n, s) => n + s.count, 0);
  const images = new Uint8Array(count * IMAGE_BYTES);
  const labels = new Uint8Array(count);
  let image = 0;
  let label = 0;
  for (const sink of sinks) {
    const chunks = sink.chunks();
    for (const chunk of chunks.images) {
      images.set(chunk, image);
      image += chunk.length;
    }
    labels.set(chunks.labels, label);
    label += chunks.labels.length;
  }
  return { images, labels, count };
}

function describeFailure(file: SourceFile, error: unknown): Error {
  if (error instanceof DatasetError) return error;
  if (error instanceof ArchiveError) return new DatasetError(`${file.name}: ${error.message}`);
  return new DatasetError(
    `${file.name}: could not be decompressed (${(error as Error).message}); the gzip data is corrupt or truncated`,
  );
}

/**
 * Loads CIFAR-10 or CIFAR-100 from the given files: one .tar.gz or .tar archive, or loose .bin
 * (and names .txt) files. Throws DatasetError with a message meant for the user. With `partial`,
 * a missing split is left empty instead (to describe a single batch file).
 */
export async function loadCifar(
  files: readonly SourceFile[],
  options: { cifar100Labels?: Cifar100Labels; partial?: boolean } = {},
): Promise<ImageDataset> {
  if (files.length === 0) throw new DatasetError('no files given');
  const collector = new CifarCollector(options.cifar100Labels ?? 'fine', options.partial);
  let fromArchive = false;
  for (const file of files) {
    try {
      let { head, whole } = await peek(file.stream(), 512);
      // a page served instead of an archive (the official folder's readme.html is fine)
      if (looksLikeHtml(head) && !/\.html?$/i.test(file.name))
        throw new DatasetError(
          `${file.name}: is a web page (HTML), not a CIFAR archive: the address may be wrong, or the server answered with an error or sign-in page`,
        );
      if (head[0] === 0x1f && head[1] === 0x8b) {
        ({ head, whole } = await peek(gunzip(whole), 512));
        if (!looksLikeTar(head))
          throw new DatasetError(`${file.name}: is gzip but holds no tar archive`);
      }
      if (looksLikeTar(head)) {
        fromArchive = true;
        await readTar(whole, (path, size) => collector.open(path, size));
        continue;
      }
      const sink = collector.open(file.name, file.size);
      // Unknown loose files (a readme beside the batches) are skipped; build() complains if
      // nothing usable was given.
      if (sink) await pipeAll(whole, sink);
      else await whole.cancel();
    } catch (error) {
      throw describeFailure(file, error);
    }
  }
  return collector.build(fromArchive);
}
