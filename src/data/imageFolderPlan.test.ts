import { describe, expect, it } from 'vitest';
import { byCodePoint, ImageFolderError, planImageFolder } from './imageFolderPlan';

/** `count` image paths in `folder`. */
const images = (folder: string, count: number, extension = 'jpg') =>
  Array.from({ length: count }, (_, i) => `${folder}/${String(i).padStart(3, '0')}.${extension}`);

const names = (list: { path: string }[]) => list.map((image) => image.path);

describe('planImageFolder: the layout', () => {
  it('reads <class>/<image> under a shared top folder, classes in code-point order', () => {
    const plan = planImageFolder([
      ...images('leaves/oak', 10),
      ...images('leaves/Ash tree', 10, 'PNG'),
      ...images('leaves/ß', 5, 'webp'),
      ...images('leaves/猫', 5, 'gif'),
      ...images('leaves/Ωmega', 5, 'bmp'),
    ]);
    expect(plan.classNames).toEqual(['Ash tree', 'oak', 'ß', 'Ωmega', '猫']);
    expect(plan.split).toEqual({ kind: 'seeded', fraction: 0.2, seed: 0 });
    expect(plan.train.length + plan.test.length).toBe(35);
    // each class gives its share: 2, 2, 1, 1, 1
    const perClass = plan.classNames.map((_, c) => plan.test.filter((i) => i.label === c).length);
    expect(perClass).toEqual([2, 2, 1, 1, 1]);
    expect(plan.skipped).toEqual([]);
  });

  it('plans 300,000 files (no list is spread into a call: it would overflow a worker stack)', () => {
    const paths = ['cat', 'dog'].flatMap((name) =>
      Array.from({ length: 150_000 }, (_, i) => `big/${name}/${i}.jpg`),
    );
    const plan = planImageFolder(paths);
    expect(plan.classNames).toEqual(['cat', 'dog']);
    expect(plan.train.length + plan.test.length).toBe(300_000);
  });

  it('splits the same way every time, whatever order the files are listed in', () => {
    const paths = [...images('a', 20), ...images('b', 30)];
    const first = planImageFolder(paths);
    const reversed = planImageFolder([...paths].reverse());
    expect(names(reversed.test)).toEqual(names(first.test));
    expect(names(first.test)).toHaveLength(10);
    expect(planImageFolder(paths, { testFraction: 0.5 }).test).toHaveLength(25);
  });

  it('takes the test folder as the test set, or val/ where there is no test folder', () => {
    const withTest = planImageFolder([
      ...images('set/train/cat', 6),
      ...images('set/train/dog', 6),
      ...images('set/test/cat', 2),
      ...images('set/test/dog', 2),
      ...images('set/val/dog', 2),
      'set/README.txt',
    ]);
    expect(withTest.split).toEqual({ kind: 'folder', folder: 'test' });
    expect(names(withTest.test)).toEqual([
      ...images('set/test/cat', 2),
      ...images('set/test/dog', 2),
    ]);
    expect(withTest.train).toHaveLength(12);
    expect(withTest.skipped.map((file) => file.why)).toEqual([
      ...Array(2).fill(
        'in a validation folder beside the test folder (the test folder is the test set)',
      ),
      'outside the train and test folders',
    ]);
    const withVal = planImageFolder([
      ...images('train/cat', 6),
      ...images('train/dog', 6),
      ...images('val/cat', 3),
    ]);
    expect(withVal.split).toEqual({ kind: 'folder', folder: 'val' });
    expect(withVal.test).toHaveLength(3);
  });

  it('splits train/ by the seeded rule when there is no test folder', () => {
    const plan = planImageFolder([...images('train/cat', 10), ...images('train/dog', 10)]);
    expect(plan.split.kind).toBe('seeded');
    expect(plan.test).toHaveLength(4);
  });

  it('skips what fits no class, ignores system files, counts nested images in their class', () => {
    const plan = planImageFolder([
      ...images('cat', 5),
      ...images('dog', 4),
      'dog/puppies/001.jpg',
      'notes.txt',
      'cat/list.csv',
      '__MACOSX/cat/._000.jpg',
      'cat/.DS_Store',
      'dog/Thumbs.db',
    ]);
    expect(plan.classNames).toEqual(['cat', 'dog']);
    expect(plan.nested).toBe(1);
    expect(plan.skipped).toEqual([
      { path: 'notes.txt', why: 'not inside a class folder' },
      { path: 'cat/list.csv', why: 'not an image (JPEG, PNG, WebP, GIF or BMP)' },
    ]);
  });

  it('normalises Windows separators and decomposed Unicode (macOS zips)', () => {
    const decomposed = 'Cafe\u0301';
    const plan = planImageFolder([
      ...images('a', 5).map((p) => p.replace('/', '\\')),
      ...images(decomposed, 5),
    ]);
    expect(plan.classNames).toEqual(['Café', 'a'].sort(byCodePoint));
  });
});

describe('planImageFolder: sets it refuses, with the reason', () => {
  const refuses = (paths: string[], message: RegExp) =>
    expect(() => planImageFolder(paths)).toThrow(message);

  it('no classes, one class, too many', () => {
    refuses(['a.jpg', 'b.jpg'], /found no images in class folders/);
    refuses(images('only/cats', 10), /found one class folder \(cats\).*at least two classes/);
    expect(() => planImageFolder([])).toThrow(ImageFolderError);
    const many = Array.from({ length: 257 }, (_, c) => images(`c${c}`, 5)).flat();
    refuses(many, /257 class folders.*at most 256/);
  });

  it('a class with fewer than 5 images, named with its count', () => {
    refuses(
      [...images('cat', 10), ...images('dog', 3), ...images('eel', 1)],
      /'dog' has 3 images, 'eel' has 1 image: every class needs at least 5/,
    );
  });

  it('a test folder with a class the train folder lacks, or no train folder', () => {
    refuses(
      [...images('train/a', 5), ...images('train/b', 5), ...images('test/c', 2)],
      /classes the train folder lacks \(c\)/,
    );
    refuses([...images('test/a', 5), ...images('test/b', 5)], /no train folder/);
  });

  it('a test share outside (0, 1)', () => {
    expect(() => planImageFolder(images('a', 5), { testFraction: 1 })).toThrow(/between 0 and 1/);
    expect(() => planImageFolder(images('a', 5), { testFraction: Number.NaN })).toThrow(
      /between 0 and 1/,
    );
  });
});
