import { useState, type DragEvent } from 'react';
import { studioActions } from '../../bridge/bridge';
import { DEFAULT_FOLDER_SIDE, DEFAULT_TEST_FRACTION } from '../../data/imageFolderPlan';
import { droppedFiles, pickedFolder, type PathedFile } from './droppedFiles';

const TEST_SHARES = [0.1, 0.2, 0.3];
const SIDES = [16, 32, 64];

/** Your own images, one folder per class: an archive or a folder, dropped or picked. */
export function ImageFolderForm() {
  const [testFraction, setTestFraction] = useState(DEFAULT_TEST_FRACTION);
  const [side, setSide] = useState(DEFAULT_FOLDER_SIDE);
  const [dragging, setDragging] = useState(false);
  const loadArchive = (archive: File | undefined) => {
    if (archive)
      studioActions.loadDataset({
        kind: 'imageFolder',
        name: archive.name,
        archive,
        testFraction,
        side,
      });
  };
  const loadFolder = ({ folder, files }: { folder: string; files: PathedFile[] }) => {
    if (files.length)
      studioActions.loadDataset({ kind: 'imageFolder', name: folder, files, testFraction, side });
  };
  const onDrop = async (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    const { folder, files } = await droppedFiles(event.dataTransfer);
    if (folder) loadFolder({ folder, files });
    else loadArchive(files[0]?.file);
  };
  return (
    <div className="cifar-form" data-testid="image-folder-form">
      <div
        className={dragging ? 'drop-zone dragging' : 'drop-zone'}
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(event) => void onDrop(event)}
      >
        <p>
          Drop a folder of class folders (<code>cats/</code>, <code>dogs/</code>, … or{' '}
          <code>train/</code> and <code>test/</code> with class folders inside), or a .zip, .tar or
          .tar.gz of one, or{' '}
          <label className="file-label">
            choose an archive
            <input
              data-testid="image-folder-archive"
              type="file"
              accept=".zip,.tar,.gz,.tgz"
              onChange={(event) => loadArchive(event.target.files?.[0])}
            />
          </label>{' '}
          or{' '}
          <label className="file-label">
            a folder
            <input
              data-testid="image-folder-picker"
              type="file"
              {...{ webkitdirectory: '', directory: '' }}
              onChange={(event) =>
                event.target.files && loadFolder(pickedFolder(event.target.files))
              }
            />
          </label>
          .
        </p>
      </div>
      <div className="inline">
        <label>
          Test share (without a test folder){' '}
          <select
            data-testid="image-folder-test-share"
            value={testFraction}
            onChange={(event) => setTestFraction(Number(event.target.value))}
          >
            {TEST_SHARES.map((share) => (
              <option key={share} value={share}>
                {Math.round(100 * share)}% of each class
              </option>
            ))}
          </select>
        </label>{' '}
        <label>
          Stored at{' '}
          <select
            data-testid="image-folder-side"
            value={side}
            onChange={(event) => setSide(Number(event.target.value))}
          >
            {SIDES.map((value) => (
              <option key={value} value={value}>
                {value}x{value} px
              </option>
            ))}
          </select>
        </label>
      </div>
      <p className="muted small">
        JPEG, PNG, WebP, GIF and BMP; each image is cropped to its centre square and resized.
        Everything stays in this browser.
      </p>
    </div>
  );
}
