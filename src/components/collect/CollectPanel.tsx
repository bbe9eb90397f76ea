import { useState } from 'react';
import { studioActions } from '../../bridge/bridge';
import {
  collectedSource,
  collectedZip,
  FRAME_SIDE,
  MAX_CLASSES,
} from '../../bridge/collectedImages';
import { downloadBytes } from '../../bridge/download';
import { MIN_CLASS_IMAGES } from '../../data/imageFolderPlan';
import { ClassRow } from './ClassRow';
import { captureFrame, useCamera } from './useCamera';
import { useCollected } from './useCollected';

/** Name up to ten classes, hold a button to photograph each with the camera, then train on them. */
export function CollectPanel() {
  const { videoRef, state: cameraState, start, stop } = useCamera();
  const collected = useCollected();
  const [side, setSide] = useState(32);
  const cameraOn = cameraState.status === 'on';
  const ready =
    collected.classes.length >= 2 &&
    collected.classes.every((name) => collected.countOf(name) >= MIN_CLASS_IMAGES);
  const capture = async (className: string) => {
    const video = videoRef.current;
    const blob = video && (await captureFrame(video, FRAME_SIDE));
    if (blob) collected.capture(className, blob);
  };
  const inUse = collected.images.filter((image) => collected.classes.includes(image.className));
  return (
    <details className="panel" data-testid="collect-panel">
      <summary>
        <h2 className="inline-heading">Collect images with the camera</h2>
      </summary>
      <p className="muted small">
        Name a class, hold its button while pointing the camera, and repeat for every class (at
        least {MIN_CLASS_IMAGES} images each). The images stay in this browser.
      </p>
      <div className="inline">
        <button
          type="button"
          data-testid="collect-camera"
          onClick={() => (cameraOn ? stop() : void start())}
        >
          {cameraOn ? 'Stop camera' : 'Start camera'}
        </button>
      </div>
      {cameraState.status === 'error' && (
        <p className="warning" role="alert" data-testid="collect-camera-problem">
          {cameraState.message}
        </p>
      )}
      {collected.problem && <p className="warning">{collected.problem}</p>}
      <video
        ref={videoRef}
        className="collect-video"
        hidden={!cameraOn}
        muted
        playsInline
        width={160}
        height={120}
      />
      <ol className="collect-classes">
        {collected.classes.map((name) => (
          <ClassRow
            key={name}
            name={name}
            images={collected.images.filter((image) => image.className === name)}
            cameraOn={cameraOn}
            onCapture={() => void capture(name)}
            onRename={(to) => collected.renameClass(name, to)}
            onRemove={() => collected.removeClass(name)}
            onDelete={collected.deleteImage}
          />
        ))}
      </ol>
      <div className="inline">
        <button
          type="button"
          onClick={collected.addClass}
          disabled={collected.classes.length >= MAX_CLASSES}
        >
          Add a class
        </button>{' '}
        <label>
          Train at{' '}
          <select value={side} onChange={(event) => setSide(Number(event.target.value))}>
            <option value={32}>32x32 px</option>
            <option value={64}>64x64 px</option>
          </select>
        </label>
      </div>
      <div className="inline">
        <button
          type="button"
          data-testid="collect-train"
          disabled={!ready}
          onClick={() => studioActions.loadDataset(collectedSource(inUse, side))}
        >
          Use these images
        </button>{' '}
        <button
          type="button"
          data-testid="collect-download"
          disabled={inUse.length === 0}
          onClick={async () =>
            downloadBytes('collected-images.zip', await collectedZip(inUse), 'application/zip')
          }
        >
          Download as zip
        </button>{' '}
        <button type="button" disabled={inUse.length === 0} onClick={collected.clear}>
          Delete all
        </button>
      </div>
    </details>
  );
}
