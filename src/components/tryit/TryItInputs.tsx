import { useEffect, useState, type DragEvent } from 'react';
import { studioActions } from '../../bridge/bridge';
import { useStudio } from '../../store/store';
import { classifyFile } from './classifyImage';

const isZip = (file: File) => /\.zip$/i.test(file.name) || file.type.includes('zip');

/** The first image on the clipboard of a paste, if any. */
const pastedImage = (event: ClipboardEvent) =>
  Array.from(event.clipboardData?.files ?? []).find((file) => file.type.startsWith('image/'));

/**
 * Where an image comes from: a drop (an exported model's zip dropped here loads it), a paste
 * anywhere on the page, a file, or the camera; and the exported model's zip.
 */
export function TryItInputs({
  canAsk,
  cameraOn,
  onCamera,
}: {
  canAsk: boolean;
  cameraOn: boolean;
  onCamera: (on: boolean) => void;
}) {
  const [dragging, setDragging] = useState(false);
  const loadingModel = useStudio((state) => state.loadingModel);
  const take = (file: File | undefined) => {
    if (!file) return;
    if (isZip(file)) void studioActions.loadModel(file);
    else void classifyFile(file);
  };
  useEffect(() => {
    if (!canAsk) return;
    const onPaste = (event: ClipboardEvent) => {
      const image = pastedImage(event);
      if (!image) return;
      event.preventDefault();
      void classifyFile(image);
    };
    document.addEventListener('paste', onPaste);
    return () => document.removeEventListener('paste', onPaste);
  }, [canAsk]);
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    take(event.dataTransfer.files[0]);
  };
  return (
    <>
      <div
        className={dragging ? 'drop-zone dragging' : 'drop-zone'}
        data-testid="try-drop"
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <p>
          Drop an image here, paste one (Ctrl+V),{' '}
          <label className="file-label">
            choose a file
            <input
              type="file"
              accept="image/*"
              data-testid="try-image-file"
              disabled={!canAsk}
              onChange={(event) => {
                take(event.target.files?.[0]);
                event.target.value = '';
              }}
            />
          </label>{' '}
          or{' '}
          <button
            type="button"
            aria-pressed={cameraOn}
            data-testid="try-camera"
            disabled={!canAsk && !cameraOn}
            onClick={() => onCamera(!cameraOn)}
          >
            {cameraOn ? 'Stop camera' : 'Use camera'}
          </button>
        </p>
      </div>
      <p className="row small">
        <label className="file-label">
          {loadingModel ? 'Loading the model…' : 'Load an exported model (.zip)'}
          <input
            type="file"
            accept=".zip,application/zip"
            data-testid="try-model-file"
            disabled={loadingModel}
            onChange={(event) => {
              const file = event.target.files?.[0];
              if (file) void studioActions.loadModel(file);
              event.target.value = '';
            }}
          />
        </label>
      </p>
    </>
  );
}
