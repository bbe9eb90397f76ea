// Files dropped on the page, folders included: the File and Directory Entries API walks a dropped
// folder (a FileList from a drop holds only its top-level items).

export interface PathedFile {
  path: string;
  file: File;
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

/** A directory reader hands its entries over in batches until one comes back empty. */
async function children(entry: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = entry.createReader();
  const all: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    );
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

async function walk(entry: FileSystemEntry, into: PathedFile[]): Promise<void> {
  if (entry.isFile) {
    into.push({
      path: entry.fullPath.replace(/^\//, ''),
      file: await fileOf(entry as FileSystemFileEntry),
    });
    return;
  }
  for (const child of await children(entry as FileSystemDirectoryEntry)) await walk(child, into);
}

/**
 * What was dropped: a folder's files with their paths, or plain files (an archive). Null when
 * nothing usable came with the drop.
 */
export async function droppedFiles(transfer: DataTransfer): Promise<{
  folder: string | null;
  files: PathedFile[];
}> {
  const entries = [...transfer.items]
    .map((item) => item.webkitGetAsEntry?.())
    .filter((entry): entry is FileSystemEntry => Boolean(entry));
  const folder = entries.find((entry) => entry.isDirectory);
  if (!folder)
    return { folder: null, files: [...transfer.files].map((file) => ({ path: file.name, file })) };
  const files: PathedFile[] = [];
  for (const entry of entries) await walk(entry, files);
  return { folder: folder.name, files };
}

/** A folder picked with `<input webkitdirectory>`: its files carry their relative paths. */
export function pickedFolder(list: FileList): { folder: string; files: PathedFile[] } {
  const files = [...list].map((file) => ({ path: file.webkitRelativePath || file.name, file }));
  return { folder: files[0]?.path.split('/')[0] ?? 'folder', files };
}
