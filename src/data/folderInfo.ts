// What a loaded image-folder set records about how it was read, and how the studio words it.
import type { FolderPlan, SkippedFile } from './imageFolderPlan';

/** How an image-folder set was read: kept with the dataset, its reports and run logs. */
export interface FolderInfo {
  /** the archive's or folder's name */
  source: string;
  split: FolderPlan['split'];
  /** images were stored at side x side */
  side: number;
  /** files left out (not images, outside the layout, failed to decode), with the first few */
  skipped: { count: number; examples: SkippedFile[] };
  /** test images dropped because a training image has the same bytes */
  duplicates: { count: number; examples: string[] };
  /** images in sub-folders of their class folder */
  nested: number;
}

/** What the load left out, in a sentence (empty when nothing). */
export function folderNotice(folder: FolderInfo): string {
  const parts: string[] = [];
  const { skipped, duplicates } = folder;
  if (skipped.count)
    parts.push(
      `${skipped.count} file${skipped.count === 1 ? '' : 's'} skipped (${skipped.examples.map((file) => `${file.path}: ${file.why}`).join('; ')}${skipped.count > skipped.examples.length ? '; …' : ''})`,
    );
  if (duplicates.count)
    parts.push(
      `${duplicates.count} test image${duplicates.count === 1 ? '' : 's'} left out for repeating a training image (${duplicates.examples.join(', ')}${duplicates.count > duplicates.examples.length ? ', …' : ''})`,
    );
  if (folder.nested)
    parts.push(`${folder.nested} images in sub-folders counted in their class folder's class`);
  return parts.join('; ');
}
