// `npx tsx scripts/image-folder-fixture.ts`: writes what the PyTorch twin's image folders
// (python/lowrank_studio/image_folder.py, image_decode.py) are held to.
// python/tests/fixtures/image-folder-plan.json: lists of paths (layouts, names in several scripts
// and Unicode forms, Windows separators, split folders, system files, nested images, uneven
// classes, test shares) with the plan planImageFolder makes of each, or the message it refuses
// them with. python/tests/fixtures/image-decode.json: small images of each format and shape that
// sharp encodes, with the pixels the studio's Node decoder (decodeWithSharp) makes of them.
// scripts/image-folder-fixture.test.ts checks both committed files are current.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { planImageFolder, type FolderPlan } from '../src/data/imageFolderPlan';
import { decodeWithSharp } from './lib/nodeImages';
import { prettyJson } from './lib/prettyJson';

export const FIXTURE_PATH = join('python', 'tests', 'fixtures', 'image-folder-plan.json');
export const DECODE_FIXTURE_PATH = join('python', 'tests', 'fixtures', 'image-decode.json');

export interface PlanCase {
  name: string;
  paths: string[];
  /** a number, or "NaN" (JSON has no NaN) */
  testFraction?: number | string;
}

export interface FixturePlan {
  classNames: string[];
  /** [path, label] in the plan's order */
  train: [string, number][];
  test: [string, number][];
  split: FolderPlan['split'];
  /** [path, why] */
  skipped: [string, string][];
  nested: number;
}

export type FixtureCase = PlanCase & ({ plan: FixturePlan } | { error: string });

/** `count` image paths in `folder`. */
const images = (folder: string, count: number, extension = 'jpg', from = 0) =>
  Array.from(
    { length: count },
    (_, i) => `${folder}/${String(from + i).padStart(3, '0')}.${extension}`,
  );

/** A listing order that is not the sorted one: reversed, then rotated by three. */
const shuffled = (paths: string[]) => {
  const reversed = [...paths].reverse();
  return [...reversed.slice(3), ...reversed.slice(0, 3)];
};

const decomposed = 'Cafe\u0301';
const composed = 'Caf\u00e9';

export const PLAN_CASES: PlanCase[] = [
  {
    name: 'a shared top folder, classes in five scripts, code-point order',
    paths: [
      ...images('leaves/oak', 10),
      ...images('leaves/Ash tree', 10, 'PNG'),
      ...images('leaves/ß', 5, 'webp'),
      ...images('leaves/猫', 5, 'gif'),
      ...images('leaves/Ωmega', 5, 'bmp'),
    ],
  },
  {
    name: 'the same at a test share of 0.3',
    paths: [
      ...images('leaves/oak', 10),
      ...images('leaves/Ash tree', 10, 'PNG'),
      ...images('leaves/ß', 5, 'webp'),
      ...images('leaves/猫', 5, 'gif'),
      ...images('leaves/Ωmega', 5, 'bmp'),
    ],
    testFraction: 0.3,
  },
  {
    name: 'spaces, non-Latin letters, astral-plane names, decomposed Unicode, backslashes',
    paths: shuffled([
      ...images('my photos\\chat noir', 6).map((p) => p.replace('/', '\\')),
      ...images(`my photos/${decomposed}`, 4, 'JPEG'),
      ...images(`my photos/${composed}`, 3, 'jpeg', 10),
      ...images('my photos/日本 語', 5),
      ...images('my photos/\u{1F431} cats', 5, 'png'),
      ...images('my photos/\uFF46ullwidth', 5, 'png'),
      ...images('my photos/Ελληνικά', 7, 'Jpg'),
    ]),
  },
  {
    name: 'a Windows drive path, leading slashes and dot folders',
    paths: [
      ...images('C:\\data\\set\\a', 5).map((p) => p.replace(/\//g, '\\')),
      ...images('C:\\data\\set\\b', 5).map((p) => p.replace(/\//g, '\\')),
      ...images('/C:/data/set/./c', 5),
      ...images('C:/data//set/d/', 5),
    ],
  },
  {
    name: 'train and test folders, a val folder beside them, a readme',
    paths: [
      ...images('set/train/cat', 6),
      ...images('set/train/dog', 6),
      ...images('set/test/cat', 2),
      ...images('set/test/dog', 2),
      ...images('set/val/dog', 2),
      'set/README.txt',
      'set/train/notes.txt',
      'set/train/cat/info.csv',
      ...images('set/extra/cat', 2),
      ...images('set/test/dog/more', 2),
    ],
  },
  {
    name: 'train and val folders in capitals (the val folder is the test set)',
    paths: shuffled([
      ...images('TRAINING/cat', 6),
      ...images('TRAINING/dog', 6),
      ...images('TRAINING/eel', 6),
      ...images('Validation/cat', 3),
      ...images('Validation/eel', 1),
      ...images('cat', 2),
    ]),
  },
  {
    name: 'testing and valid folders: testing wins',
    paths: [
      ...images('train/a', 5),
      ...images('train/b', 5),
      ...images('testing/a', 2),
      ...images('valid/b', 2),
      ...images('Train/a', 1, 'png', 50),
    ],
  },
  {
    name: 'a train folder only: split by the seeded rule',
    paths: [...images('data/train/cat', 10), ...images('data/train/dog', 13, 'png')],
  },
  {
    name: 'a train folder only at 0.3, nested images inside it',
    paths: [
      ...images('train/cat', 10),
      ...images('train/dog', 9),
      ...images('train/dog/puppies', 3),
      'train/cat.jpg',
    ],
    testFraction: 0.3,
  },
  {
    name: 'system files, nested images, files outside class folders, non-images',
    paths: [
      ...images('cat', 5),
      ...images('dog', 4),
      'dog/puppies/001.jpg',
      'dog/puppies/deeper/002.jpg',
      'notes.txt',
      'top.jpg',
      'cat/list.csv',
      'cat/no-extension',
      'cat/archive.jpg.zip',
      '__MACOSX/cat/._000.jpg',
      'cat/.DS_Store',
      'dog/Thumbs.db',
      'dog/desktop.ini',
      '.hidden/cat/000.jpg',
      'cat/.thumbnails/000.jpg',
      'cat/../dog/x.jpg',
    ],
  },
  {
    name: 'a readme outside the shared top folder',
    paths: [...images('set/a', 5), ...images('set/b', 5), 'README.md', 'other/notes.txt'],
  },
  {
    name: 'a deep shared root, never past the class folder',
    paths: [...images('x/y/z/a', 5), ...images('x/y/z/b', 6), ...images('x/y/z/b/sub', 2)],
  },
  {
    name: 'uneven classes at 0.2',
    paths: shuffled([
      ...images('a', 7),
      ...images('b', 13),
      ...images('c', 29),
      ...images('d', 50),
      ...images('e', 5),
    ]),
  },
  {
    name: 'uneven classes at 0.3',
    paths: shuffled([
      ...images('a', 7),
      ...images('b', 13),
      ...images('c', 29),
      ...images('d', 50),
      ...images('e', 5),
    ]),
    testFraction: 0.3,
  },
  {
    name: 'a half to round: 6.5 images tested rounds up',
    paths: [...images('a', 5), ...images('b', 8)],
    testFraction: 0.5,
  },
  {
    name: 'a share so small no image is tested',
    paths: [...images('a', 5), ...images('b', 5)],
    testFraction: 0.01,
  },
  {
    name: 'a path listed twice',
    paths: [...images('a', 5), ...images('b', 5), 'a/000.jpg'],
  },
  {
    name: 'exactly 256 classes',
    paths: Array.from({ length: 256 }, (_, c) => images(`c${c}`, 5)).flat(),
  },
  { name: 'no class folders', paths: ['a.jpg', 'b.jpg', 'notes.txt'] },
  { name: 'nothing at all', paths: [] },
  { name: 'only system files', paths: ['.DS_Store', '__MACOSX/a/b.jpg'] },
  { name: 'one class', paths: images('only/cats', 10) },
  { name: 'one class under train', paths: [...images('train/cats', 10), ...images('b', 5)] },
  {
    name: '257 classes',
    paths: Array.from({ length: 257 }, (_, c) => images(`c${c}`, 5)).flat(),
  },
  {
    name: 'classes with too few images',
    paths: [...images('cat', 10), ...images('dog', 3), ...images('eel', 1)],
  },
  {
    name: 'too few once train and test are counted together',
    paths: [...images('train/a', 5), ...images('train/b', 2), ...images('test/b', 2)],
  },
  {
    name: 'a test folder with classes the train folder lacks',
    paths: [
      ...images('train/a', 5),
      ...images('train/b', 5),
      ...images('test/d', 2),
      ...images('test/c', 2),
    ],
  },
  {
    name: 'a test folder but no train folder',
    paths: [...images('test/a', 5), ...images('test/b', 5)],
  },
  { name: 'a val folder but no train folder', paths: [...images('val/a', 5), ...images('b', 5)] },
  { name: 'a test share of 1', paths: [...images('a', 5), ...images('b', 5)], testFraction: 1 },
  { name: 'a test share of 0', paths: [...images('a', 5), ...images('b', 5)], testFraction: 0 },
  { name: 'a test share of -0.5', paths: images('a', 5), testFraction: -0.5 },
  { name: 'a test share that is not a number', paths: images('a', 5), testFraction: 'NaN' },
  { name: 'a tiny negative test share', paths: images('a', 5), testFraction: -1e-7 },
  { name: 'a huge test share', paths: images('a', 5), testFraction: 1e21 },
  {
    name: 'a share that would test every image',
    paths: [...images('a', 5), ...images('b', 5)],
    testFraction: 0.96,
  },
];

const fractionOf = (value: PlanCase['testFraction']) =>
  value === undefined ? undefined : Number(value);

function fixturePlan(plan: FolderPlan): FixturePlan {
  return {
    classNames: plan.classNames,
    train: plan.train.map((image) => [image.path, image.label]),
    test: plan.test.map((image) => [image.path, image.label]),
    split: plan.split,
    skipped: plan.skipped.map((file) => [file.path, file.why]),
    nested: plan.nested,
  };
}

/** Every case with its plan, or the message it is refused with. */
export function imageFolderFixture(): FixtureCase[] {
  return PLAN_CASES.map((planCase) => {
    try {
      const plan = planImageFolder(planCase.paths, {
        testFraction: fractionOf(planCase.testFraction),
      });
      return { ...planCase, plan: fixturePlan(plan) };
    } catch (error) {
      return { ...planCase, error: (error as Error).message };
    }
  });
}

export interface DecodeCase {
  name: string;
  /** the file, base64 */
  file: string;
  /** decodeWithSharp's side x side RGB by side, base64 */
  pixels: Record<string, string>;
}

export const DECODE_SIDES = [8, 32];

/** A smooth pattern of waves, different in each channel: detail a resize can get wrong. */
function waves(width: number, height: number, channels: number): Uint8Array {
  const pixels = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < channels; c++)
        pixels[(y * width + x) * channels + c] =
          c === 3
            ? 255 - ((x * 5 + y * 3) % 256)
            : Math.round(127.5 + 120 * Math.sin(x * (0.21 + 0.07 * c) + y * (0.13 + 0.05 * c) + c));
  return pixels;
}

const raw = (width: number, height: number, channels: 1 | 3 | 4 = 3) =>
  sharp(waves(width, height, channels), { raw: { width, height, channels } });

/** Images sharp encodes: every format, shrinking, enlarging, odd crops, alpha, grey, EXIF. */
const DECODE_IMAGES: [string, () => Promise<Buffer>][] = [
  ['png 37x29', () => raw(37, 29).png().toBuffer()],
  ['png 64x48', () => raw(64, 48).png().toBuffer()],
  ['png 50x101', () => raw(50, 101).png().toBuffer()],
  ['png 300x20', () => raw(300, 20).png().toBuffer()],
  ['png 20x12 (enlarged)', () => raw(20, 12).png().toBuffer()],
  ['png rgba 45x30', () => raw(45, 30, 4).png().toBuffer()],
  ['png grey 70x70', () => raw(70, 70, 1).png().toBuffer()],
  ['png 16-bit 60x40', () => raw(60, 40).toColourspace('rgb16').png().toBuffer()],
  ['jpeg 300x200 (shrunk on load)', () => raw(300, 200).jpeg({ quality: 90 }).toBuffer()],
  [
    'jpeg 90x60 exif 6',
    () => raw(90, 60).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer(),
  ],
  ['gif 64x48', () => raw(64, 48).gif().toBuffer()],
  ['webp lossless 72x48', () => raw(72, 48).webp({ lossless: true }).toBuffer()],
];

/** Each image at sides 8 and 32, as the studio decodes it in Node. */
export async function decodeFixture(): Promise<DecodeCase[]> {
  const cases: DecodeCase[] = [];
  for (const [name, encode] of DECODE_IMAGES) {
    const file = new Uint8Array(await encode());
    const pixels: Record<string, string> = {};
    for (const side of DECODE_SIDES)
      pixels[side] = Buffer.from(await decodeWithSharp(file, side)).toString('base64');
    cases.push({ name, file: Buffer.from(file).toString('base64'), pixels });
  }
  return cases;
}

async function main(): Promise<void> {
  writeFileSync(FIXTURE_PATH, prettyJson(imageFolderFixture()));
  console.error(`wrote ${FIXTURE_PATH}`);
  writeFileSync(DECODE_FIXTURE_PATH, prettyJson(await decodeFixture()));
  console.error(`wrote ${DECODE_FIXTURE_PATH}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  main().catch((error: Error) => {
    console.error(`image-folder-fixture: ${error.message}`);
    process.exit(1);
  });
