// Frames collected with the camera, kept in this browser (IndexedDB, a database of their own) so
// a class's pictures survive a reload, and turned into what the rest of the studio reads: an
// image-folder dataset source, or a zip of class folders that loads back under Dataset.
import { zipSync } from 'fflate';
import type { DatasetSource } from '../protocol';

export interface CollectedImage {
  id: string;
  className: string;
  blob: Blob;
  takenAt: number;
}

export const MAX_CLASSES = 10;
export const MAX_PER_CLASS = 400;
/** the side frames are kept at: room to crop or resize for any input size the studio trains */
export const FRAME_SIDE = 96;

const DATABASE = 'lowrank-studio-collected';
const IMAGES = 'images';
const META = 'meta';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore(IMAGES, { keyPath: 'id' });
      request.result.createObjectStore(META);
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () =>
      reject(new Error(`the browser's storage could not be opened: ${request.error?.message}`));
  });
}

async function run<T>(
  store: string,
  mode: IDBTransactionMode,
  action: (store: IDBObjectStore) => IDBRequest<T>,
): Promise<T> {
  const database = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const transaction = database.transaction(store, mode);
      const request = action(transaction.objectStore(store));
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = () => reject(new Error(`${store}: ${transaction.error?.message}`));
    });
  } finally {
    database.close();
  }
}

export async function loadCollected(): Promise<{ classes: string[]; images: CollectedImage[] }> {
  const [classes, images] = await Promise.all([
    run(META, 'readonly', (store) => store.get('classes') as IDBRequest<string[] | undefined>),
    run(IMAGES, 'readonly', (store) => store.getAll() as IDBRequest<CollectedImage[]>),
  ]);
  return { classes: classes ?? [], images: images.sort((a, b) => a.takenAt - b.takenAt) };
}

export const saveClasses = (classes: string[]) =>
  run(META, 'readwrite', (store) => store.put(classes, 'classes'));
export const saveImage = (image: CollectedImage) =>
  run(IMAGES, 'readwrite', (store) => store.put(image));
export const deleteImages = async (ids: string[]) => {
  for (const id of ids) await run(IMAGES, 'readwrite', (store) => store.delete(id));
};

/** Path of an image in the layout the studio reads: one folder a class. */
const pathOf = (image: CollectedImage, index: number) =>
  `${image.className}/${String(index).padStart(4, '0')}.jpg`;

function numbered(images: readonly CollectedImage[]): { path: string; image: CollectedImage }[] {
  const counts = new Map<string, number>();
  return images.map((image) => {
    const index = counts.get(image.className) ?? 0;
    counts.set(image.className, index + 1);
    return { path: pathOf(image, index), image };
  });
}

/** The collected frames as a dataset source: each class a folder of JPEGs. */
export function collectedSource(images: readonly CollectedImage[], side: number): DatasetSource {
  return {
    kind: 'imageFolder',
    name: 'camera',
    files: numbered(images).map(({ path, image }) => ({
      path,
      // dated when taken: the same frames make the same cache key
      file: new File([image.blob], path.split('/')[1], {
        type: 'image/jpeg',
        lastModified: image.takenAt,
      }),
    })),
    testFraction: 0.2,
    side,
  };
}

/** A zip of class folders (`<class>/0000.jpg`, ...) that loads back as your images. */
export async function collectedZip(images: readonly CollectedImage[]): Promise<Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  for (const { path, image } of numbered(images))
    files[`collected/${path}`] = new Uint8Array(await image.blob.arrayBuffer());
  // JPEGs do not compress further
  return zipSync(files, { level: 0 });
}
