import { useCallback, useEffect, useRef, useState } from 'react';
import {
  deleteImages,
  loadCollected,
  MAX_CLASSES,
  MAX_PER_CLASS,
  saveClasses,
  saveImage,
  type CollectedImage,
} from '../../bridge/collectedImages';

const FIRST_CLASSES = ['class 1', 'class 2'];

/** A class name that can be a folder name: no slashes, not blank. */
export function folderName(name: string): string {
  return name.replace(/[/\\]/g, '-').trim();
}

/** The collected classes and frames, kept in this browser as they change. */
export function useCollected() {
  const [classes, setClasses] = useState<string[]>(FIRST_CLASSES);
  const [images, setImages] = useState<CollectedImage[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  // captures come every 150 ms from a timer: each reads the images as they are by then
  const imagesRef = useRef(images);
  useEffect(() => {
    imagesRef.current = images;
  }, [images]);
  const keep = useCallback(
    (work: Promise<unknown>) =>
      void work.catch((error: Error) =>
        setProblem(`The collected images could not be saved in this browser (${error.message}).`),
      ),
    [],
  );

  useEffect(() => {
    loadCollected()
      .then((saved) => {
        if (saved.classes.length) setClasses(saved.classes);
        setImages(saved.images);
      })
      .catch(() => undefined); // no storage (a private window): collecting still works
  }, []);

  const updateClasses = (next: string[]) => {
    setClasses(next);
    keep(saveClasses(next));
  };

  return {
    classes,
    images,
    problem,
    countOf: (name: string) => images.filter((image) => image.className === name).length,
    addClass() {
      if (classes.length >= MAX_CLASSES) return;
      let n = classes.length + 1;
      while (classes.includes(`class ${n}`)) n++;
      updateClasses([...classes, `class ${n}`]);
    },
    renameClass(from: string, to: string) {
      const name = folderName(to);
      if (!name || name === from || classes.includes(name)) return false;
      updateClasses(classes.map((c) => (c === from ? name : c)));
      const moved = images.map((image) =>
        image.className === from ? { ...image, className: name } : image,
      );
      setImages(moved);
      moved.filter((image) => image.className === name).forEach((image) => keep(saveImage(image)));
      return true;
    },
    removeClass(name: string) {
      updateClasses(classes.filter((c) => c !== name));
      const gone = images.filter((image) => image.className === name);
      setImages(images.filter((image) => image.className !== name));
      forget(gone);
      keep(deleteImages(gone.map((image) => image.id)));
    },
    capture(className: string, blob: Blob) {
      const current = imagesRef.current;
      if (current.filter((image) => image.className === className).length >= MAX_PER_CLASS) return;
      const image = { id: crypto.randomUUID(), className, blob, takenAt: Date.now() };
      imagesRef.current = [...current, image];
      setImages(imagesRef.current);
      keep(saveImage(image));
    },
    deleteImage(id: string) {
      setImages(images.filter((image) => image.id !== id));
      forget(images.filter((image) => image.id === id));
      keep(deleteImages([id]));
    },
    clear() {
      keep(deleteImages(images.map((image) => image.id)));
      forget(images);
      setImages([]);
    },
  };
}

const urls = new WeakMap<Blob, string>();

/** A thumbnail's object URL, made once per image. */
export function thumbnailUrl(image: CollectedImage): string {
  let url = urls.get(image.blob);
  if (!url) urls.set(image.blob, (url = URL.createObjectURL(image.blob)));
  return url;
}

function forget(images: readonly CollectedImage[]): void {
  for (const image of images) {
    const url = urls.get(image.blob);
    if (url) URL.revokeObjectURL(url);
    urls.delete(image.blob);
  }
}
