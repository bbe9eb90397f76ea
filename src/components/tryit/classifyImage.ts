// What Try it sends the worker: a picture's centre square at the side each model's training
// images had (the dataset's side for the job, labels.json's imageSide for a loaded export),
// drawn as the image-folder loader draws its images (data/squareImage.ts).
import { studioActions } from '../../bridge/bridge';
import { squarePixels } from '../../data/squareImage';
import type { PredictTarget, SquareImage } from '../../protocol';
import { useStudio, type StudioState } from '../../store/store';

type Sides = Partial<Record<PredictTarget, number>>;

/** The models there are to ask and the side each takes its pictures at: none, one or both. */
export function targetSides(
  state: Pick<StudioState, 'runState' | 'dataset' | 'loadedModel'>,
): Sides {
  const sides: Sides = {};
  if (state.runState !== 'idle' && state.dataset) sides.job = state.dataset.imageSize[0];
  if (state.loadedModel) sides.loaded = state.loadedModel.labels.imageSide;
  return sides;
}

/** Asks every model there is about a picture (a bitmap, a video frame); false if there is none. */
export function classifyPicture(source: CanvasImageSource, width: number, height: number): boolean {
  const sides = Object.entries(targetSides(useStudio.getState())) as [PredictTarget, number][];
  if (sides.length === 0) return false;
  const bySide = new Map<number, Uint8Array>();
  const images: Partial<Record<PredictTarget, SquareImage>> = {};
  for (const [target, side] of sides) {
    const pixels = bySide.get(side) ?? squarePixels(source, width, height, side);
    bySide.set(side, pixels);
    images[target] = { pixels, side };
  }
  studioActions.predict(images);
  return true;
}

/** A video's current frame, once it has one. */
export function classifyVideoFrame(video: HTMLVideoElement): void {
  if (video.videoWidth > 0) classifyPicture(video, video.videoWidth, video.videoHeight);
}

/** An image file (chosen, dropped or pasted), decoded by the browser as the dataset loader does. */
export async function classifyFile(file: File): Promise<void> {
  const { setTryError } = useStudio.getState();
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    setTryError(
      `${file.name || 'The pasted file'} is not an image this browser can read: use a JPEG, PNG, WebP, GIF or BMP.`,
    );
    return;
  }
  try {
    if (!classifyPicture(bitmap, bitmap.width, bitmap.height))
      setTryError('There is no model to ask yet: start a run, or load an exported model (.zip).');
  } catch (error) {
    setTryError(
      `${file.name || 'The pasted image'} could not be drawn: ${(error as Error).message}`,
    );
  } finally {
    bitmap.close();
  }
}
