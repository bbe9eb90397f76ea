// Which file is which image of which class, from paths alone: the one-folder-per-class layout of
// torchvision's ImageFolder (`train/<class>/*`, `test/<class>/*` or `val/<class>/*`, or just
// `<class>/*`), class names sorted as ImageFolder sorts them, and a seeded stratified test split
// where no test folder exists. The twin's image_folder.plan_image_folder follows the same rules.
import { validationIndices } from './validation';

export const IMAGE_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp', 'gif', 'bmp'] as const;
/** the share of each class's images tested on where the set has no test folder */
export const DEFAULT_TEST_FRACTION = 0.2;
/** the side images are stored at (a run resizes to its own input size, as with CIFAR) */
export const DEFAULT_FOLDER_SIDE = 32;
/** the split's own seed: every run of a set tests on the same images */
export const FOLDER_SPLIT_SEED = 0;
/** fewer images than this in a class cannot both train and test it */
export const MIN_CLASS_IMAGES = 5;
/** labels are one byte */
export const MAX_CLASSES = 256;

const TRAIN_FOLDERS = ['train', 'training'];
const TEST_FOLDERS = ['test', 'testing'];
const VALIDATION_FOLDERS = ['val', 'valid', 'validation'];
const SPLIT_FOLDERS = [...TRAIN_FOLDERS, ...TEST_FOLDERS, ...VALIDATION_FOLDERS];

export class ImageFolderError extends Error {}

export interface FolderImage {
  /** the path as listed (archive entry or relative file path) */
  path: string;
  label: number;
}

export interface SkippedFile {
  path: string;
  why: string;
}

export interface FolderPlan {
  classNames: string[];
  train: FolderImage[];
  test: FolderImage[];
  /** where the test images come from */
  split: { kind: 'folder'; folder: string } | { kind: 'seeded'; fraction: number; seed: number };
  /** files left out, with the reason */
  skipped: SkippedFile[];
  /** images found in sub-folders of their class folder (counted in that class, as ImageFolder does) */
  nested: number;
}

/** Sorted by code point, as Python sorts strings (ImageFolder's class order, the twin's too). */
export function byCodePoint(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** Path components, normalised: forward slashes, no empty or `.` parts, Unicode NFC. */
function components(path: string): string[] {
  return path
    .normalize('NFC')
    .replace(/\\/g, '/')
    .split('/')
    .filter((part) => part !== '' && part !== '.');
}

/** Files the operating system leaves behind (macOS resource forks, Windows thumbnails). */
function isSystemFile(parts: readonly string[]): boolean {
  const name = parts[parts.length - 1].toLowerCase();
  return (
    parts.some((part) => part.startsWith('.') || part === '__MACOSX') ||
    name === 'thumbs.db' ||
    name === 'desktop.ini'
  );
}

export function isImageName(name: string): boolean {
  const dot = name.lastIndexOf('.');
  return (
    dot >= 0 && (IMAGE_EXTENSIONS as readonly string[]).includes(name.slice(dot + 1).toLowerCase())
  );
}

const isSplitFolder = (name: string) => SPLIT_FOLDERS.includes(name.toLowerCase());

/**
 * Leading folders every file shares (an archive's own top folder), left out; never a split
 * folder, and never so many that a file loses its class folder.
 */
function commonRoot(files: readonly string[][]): number {
  if (files.length === 0) return 0;
  // a loop, not Math.min(...): spreading 100,000 paths overflows a worker's stack
  const shortest = files.reduce((least, parts) => Math.min(least, parts.length), Infinity);
  let depth = 0;
  while (
    depth < shortest - 2 &&
    !isSplitFolder(files[0][depth]) &&
    files.every((parts) => parts[depth] === files[0][depth])
  )
    depth++;
  return depth;
}

interface Found {
  parts: string[];
  path: string;
}

/** Class folder -> image paths, with files that fit no class skipped. */
function collectClasses(
  files: readonly Found[],
  skipped: SkippedFile[],
  counter: { nested: number },
): Map<string, string[]> {
  const classes = new Map<string, string[]>();
  for (const { parts, path } of files) {
    if (parts.length < 2) {
      skipped.push({ path, why: 'not inside a class folder' });
      continue;
    }
    if (!isImageName(parts[parts.length - 1])) {
      skipped.push({ path, why: 'not an image (JPEG, PNG, WebP, GIF or BMP)' });
      continue;
    }
    if (parts.length > 2) counter.nested++;
    const list = classes.get(parts[0]) ?? [];
    list.push(path);
    classes.set(parts[0], list);
  }
  return classes;
}

function checkClasses(classes: Map<string, string[]>, where: string): string[] {
  const names = [...classes.keys()].sort(byCodePoint);
  if (names.length === 0)
    throw new ImageFolderError(
      `found no images in class folders${where}: the set should be laid out as <class>/<image> or train/<class>/<image> (JPEG, PNG, WebP, GIF or BMP)`,
    );
  if (names.length === 1)
    throw new ImageFolderError(
      `found one class folder (${names[0]})${where}: a classifier needs at least two classes, one folder each`,
    );
  if (names.length > MAX_CLASSES)
    throw new ImageFolderError(
      `found ${names.length} class folders${where}: the studio trains at most ${MAX_CLASSES} classes`,
    );
  return names;
}

function labelled(classes: Map<string, string[]>, names: readonly string[]): FolderImage[] {
  return names.flatMap((name, label) =>
    [...(classes.get(name) ?? [])].sort(byCodePoint).map((path) => ({ path, label })),
  );
}

/** Every class's share of the images, drawn by the seeded stratified rule validation.ts uses. */
function seededSplit(
  images: FolderImage[],
  classes: number,
  fraction: number,
): { train: FolderImage[]; test: FolderImage[] } {
  const count = Math.round(images.length * fraction);
  const labels = images.map((image) => image.label);
  const { validation, train } = validationIndices(labels, classes, count, FOLDER_SPLIT_SEED);
  const inTest = new Set(validation);
  return {
    train: train.map((i) => images[i]),
    test: images.filter((_, i) => inTest.has(i)),
  };
}

function checkCounts(plan: Pick<FolderPlan, 'classNames' | 'train' | 'test'>): void {
  const counts = plan.classNames.map(() => 0);
  for (const image of [...plan.train, ...plan.test]) counts[image.label]++;
  const few = plan.classNames
    .map((name, c) => ({ name, count: counts[c] }))
    .filter(({ count }) => count < MIN_CLASS_IMAGES);
  if (few.length)
    throw new ImageFolderError(
      `${few.map(({ name, count }) => `'${name}' has ${count} image${count === 1 ? '' : 's'}`).join(', ')}: every class needs at least ${MIN_CLASS_IMAGES} images to train and test on`,
    );
}

/** A set without a test folder: its counts checked, then each class's share held out for test. */
function seededPlan(
  classNames: string[],
  images: FolderImage[],
  fraction: number,
  skipped: SkippedFile[],
  nested: number,
): FolderPlan {
  checkCounts({ classNames, train: images, test: [] });
  return {
    classNames,
    ...seededSplit(images, classNames.length, fraction),
    split: { kind: 'seeded', fraction, seed: FOLDER_SPLIT_SEED },
    skipped,
    nested,
  };
}

/**
 * The plan for a set of files (paths as an archive or a folder lists them). Throws
 * ImageFolderError, with a message for the user, when the files do not make a usable set.
 */
export function planImageFolder(
  paths: readonly string[],
  options: { testFraction?: number } = {},
): FolderPlan {
  const fraction = options.testFraction ?? DEFAULT_TEST_FRACTION;
  if (!(fraction > 0 && fraction < 1))
    throw new ImageFolderError(`the test share must be between 0 and 1, got ${fraction}`);
  const found = paths
    .map((path) => ({ path, parts: components(path) }))
    .filter(({ parts }) => parts.length > 0 && !isSystemFile(parts));
  // a readme beside the class folders does not keep their shared top folder
  const imageFiles = found.filter(({ parts }) => isImageName(parts[parts.length - 1]));
  const root = imageFiles.length
    ? imageFiles[0].parts.slice(0, commonRoot(imageFiles.map((f) => f.parts)))
    : [];
  const skipped: SkippedFile[] = [];
  const files: Found[] = [];
  for (const { path, parts } of found) {
    if (root.every((part, i) => parts[i] === part) && parts.length > root.length)
      files.push({ path, parts: parts.slice(root.length) });
    else skipped.push({ path, why: `outside the set's folder (${root.join('/')})` });
  }
  const counter = { nested: 0 };
  const splitOf = (file: Found) => (file.parts.length > 2 ? file.parts[0].toLowerCase() : '');
  const bySplit = (names: readonly string[]) => files.filter((f) => names.includes(splitOf(f)));
  const inner = (list: Found[]) => list.map((f) => ({ path: f.path, parts: f.parts.slice(1) }));
  const trainFiles = bySplit(TRAIN_FOLDERS);
  const testFiles = bySplit(TEST_FOLDERS);
  const validationFiles = bySplit(VALIDATION_FOLDERS);

  if (trainFiles.length === 0) {
    if (testFiles.length || validationFiles.length)
      throw new ImageFolderError(
        'found a test (or val) folder but no train folder: put the training images in train/<class>/',
      );
    const classes = collectClasses(files, skipped, counter);
    const classNames = checkClasses(classes, '');
    const all = labelled(classes, classNames);
    return seededPlan(classNames, all, fraction, skipped, counter.nested);
  }

  const testFolder = testFiles.length ? testFiles : validationFiles;
  const tested = new Set(testFolder);
  for (const file of files) {
    const split = splitOf(file);
    if (TRAIN_FOLDERS.includes(split) || tested.has(file)) continue;
    skipped.push({
      path: file.path,
      why: VALIDATION_FOLDERS.includes(split)
        ? 'in a validation folder beside the test folder (the test folder is the test set)'
        : 'outside the train and test folders',
    });
  }
  const trainClasses = collectClasses(inner(trainFiles), skipped, counter);
  const classNames = checkClasses(trainClasses, ' under train/');
  const testClasses = collectClasses(inner(testFolder), skipped, counter);
  const unknown = [...testClasses.keys()].filter((name) => !trainClasses.has(name));
  if (unknown.length)
    throw new ImageFolderError(
      `the test folder has classes the train folder lacks (${unknown.sort(byCodePoint).join(', ')}): every class needs training images`,
    );
  const train = labelled(trainClasses, classNames);
  if (testFolder.length === 0) {
    return seededPlan(classNames, train, fraction, skipped, counter.nested);
  }
  const test = labelled(testClasses, classNames);
  checkCounts({ classNames, train, test });
  const folder = testFolder[0].parts[0];
  return {
    classNames,
    train,
    test,
    split: { kind: 'folder', folder },
    skipped,
    nested: counter.nested,
  };
}
