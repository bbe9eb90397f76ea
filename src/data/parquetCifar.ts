// CIFAR-10/100 from the Hugging Face parquet files (uoft-cs/cifar10, uoft-cs/cifar100): one row
// per image, the image as PNG bytes in an `img` struct and the labels as integer columns. Parsed
// with hyparquet (a maintained pure-JavaScript reader); PNG decoding is injected, because the
// browser decodes with its own image codecs and Node tests with zlib.
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { CIFAR100_COARSE_CLASSES, CIFAR100_FINE_CLASSES, CIFAR10_CLASSES } from './cifarNames';
import { DatasetError, type Cifar100Labels } from './cifar';
import { CHANNELS, type ImageDataset, type Split } from './dataset';

/** Decodes PNG bytes to RGBA pixels. */
export type PngDecoder = (
  png: Uint8Array,
) => Promise<{ width: number; height: number; rgba: ArrayLike<number> }>;

const SIDE = 32;
/** images decoded concurrently, and how often progress is reported */
const DECODE_BATCH = 250;

interface SchemaNode {
  name: string;
  num_children?: number;
}

function topLevelColumns(schema: SchemaNode[]): Map<string, string[]> {
  const columns = new Map<string, string[]>();
  let index = 1;
  const skip = (node: SchemaNode): string[] => {
    const names: string[] = [];
    for (let i = 0; i < (node.num_children ?? 0); i++) {
      const child = schema[index++];
      names.push(child.name);
      skip(child);
    }
    return names;
  };
  for (let i = 0; i < (schema[0]?.num_children ?? 0); i++) {
    const node = schema[index++];
    columns.set(node.name, skip(node));
  }
  return columns;
}

export function labelColumn(kind: 'cifar10' | 'cifar100', labels: Cifar100Labels): string {
  return kind === 'cifar10' ? 'label' : labels === 'fine' ? 'fine_label' : 'coarse_label';
}

/** Parses one split's parquet file into NHWC pixels and labels. */
export async function parseParquetSplit(
  file: ArrayBuffer,
  fileName: string,
  kind: 'cifar10' | 'cifar100',
  labels: Cifar100Labels,
  decodePng: PngDecoder,
  onDecoded: (done: number, total: number) => void = () => {},
): Promise<Split> {
  let columns: Map<string, string[]>;
  try {
    columns = topLevelColumns(parquetMetadata(file).schema as SchemaNode[]);
  } catch (error) {
    throw new DatasetError(
      `${fileName}: not a parquet file (${(error as Error).message}); drop the official archive instead`,
      { cause: error },
    );
  }
  const label = labelColumn(kind, labels);
  if (!columns.get('img')?.includes('bytes') || !columns.has(label)) {
    throw new DatasetError(
      `${fileName}: unexpected columns (${[...columns.keys()].join(', ')}); expected img (PNG bytes) and ${label} as in uoft-cs/${kind}. Check the URL, or drop the official archive instead`,
    );
  }
  const rows = (await parquetReadObjects({ file, columns: ['img', label], utf8: false })) as Record<
    string,
    unknown
  >[];
  const classes = kind === 'cifar10' ? 10 : labels === 'fine' ? 100 : 20;
  const images = new Uint8Array(rows.length * SIDE * SIDE * CHANNELS);
  const labelValues = new Uint8Array(rows.length);
  const decodeRow = async (i: number) => {
    const value = Number(rows[i][label]);
    if (!Number.isInteger(value) || value < 0 || value >= classes) {
      throw new DatasetError(
        `${fileName}, row ${i}: ${label} ${String(rows[i][label])} is out of range 0-${classes - 1}`,
      );
    }
    labelValues[i] = value;
    const png = (rows[i].img as { bytes?: Uint8Array } | null)?.bytes;
    if (!(png instanceof Uint8Array))
      throw new DatasetError(`${fileName}, row ${i}: the image has no PNG bytes`);
    const { width, height, rgba } = await decodePng(png);
    if (width !== SIDE || height !== SIDE)
      throw new DatasetError(`${fileName}, row ${i}: image is ${width}x${height}, expected 32x32`);
    const base = i * SIDE * SIDE * CHANNELS;
    for (let p = 0; p < SIDE * SIDE; p++) {
      images[base + p * 3] = rgba[p * 4];
      images[base + p * 3 + 1] = rgba[p * 4 + 1];
      images[base + p * 3 + 2] = rgba[p * 4 + 2];
    }
  };
  // several decodes in flight: the browser decodes images off the worker's own thread
  for (let start = 0; start < rows.length; start += DECODE_BATCH) {
    const batch = Array.from(
      { length: Math.min(DECODE_BATCH, rows.length - start) },
      (_, k) => start + k,
    );
    await Promise.all(batch.map(decodeRow));
    onDecoded(start + batch.length, rows.length);
  }
  return { images, labels: labelValues, count: rows.length };
}

export async function parseParquetDataset(
  files: { train: ArrayBuffer; test: ArrayBuffer; trainName: string; testName: string },
  kind: 'cifar10' | 'cifar100',
  labels: Cifar100Labels,
  decodePng: PngDecoder,
  onDecoded?: (done: number, total: number) => void,
): Promise<ImageDataset> {
  const train = await parseParquetSplit(
    files.train,
    files.trainName,
    kind,
    labels,
    decodePng,
    onDecoded,
  );
  const test = await parseParquetSplit(
    files.test,
    files.testName,
    kind,
    labels,
    decodePng,
    onDecoded,
  );
  return {
    kind,
    name: kind === 'cifar10' ? 'CIFAR-10' : `CIFAR-100 (${labels} labels)`,
    classNames:
      kind === 'cifar10'
        ? CIFAR10_CLASSES
        : labels === 'fine'
          ? CIFAR100_FINE_CLASSES
          : CIFAR100_COARSE_CLASSES,
    height: SIDE,
    width: SIDE,
    train,
    test,
  };
}
