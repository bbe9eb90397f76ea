import { useRef, useState } from 'react';
import { MAX_PER_CLASS, type CollectedImage } from '../../bridge/collectedImages';
import { thumbnailUrl } from './useCollected';

const SHOWN = 12;
/** frames taken a second while the button is held */
const CAPTURE_MS = 150;

interface ClassRowProps {
  name: string;
  images: CollectedImage[];
  cameraOn: boolean;
  onCapture: () => void;
  onRename: (to: string) => boolean;
  onRemove: () => void;
  onDelete: (id: string) => void;
}

/** One class: its name, a hold-to-capture button, its count and latest frames. */
export function ClassRow(props: ClassRowProps) {
  const { name, images, cameraOn } = props;
  const [draft, setDraft] = useState(name);
  const timer = useRef<number | null>(null);
  const stop = () => {
    if (timer.current !== null) window.clearInterval(timer.current);
    timer.current = null;
  };
  const hold = () => {
    if (!cameraOn || timer.current !== null) return;
    props.onCapture();
    timer.current = window.setInterval(props.onCapture, CAPTURE_MS);
  };
  const full = images.length >= MAX_PER_CLASS;
  return (
    <li className="collect-class" data-testid="collect-class">
      <div className="inline">
        <input
          aria-label="Class name"
          data-testid="collect-class-name"
          value={draft}
          size={14}
          onChange={(event) => setDraft(event.target.value)}
          onBlur={() => {
            if (!props.onRename(draft)) setDraft(name);
          }}
        />{' '}
        <button
          type="button"
          data-testid="collect-hold"
          disabled={!cameraOn || full}
          onPointerDown={hold}
          onPointerUp={stop}
          onPointerLeave={stop}
          onPointerCancel={stop}
          onKeyDown={(event) => {
            if (event.key === ' ' || event.key === 'Enter') props.onCapture();
          }}
        >
          Hold to capture
        </button>{' '}
        <span className="muted" data-testid="collect-count">
          {images.length} image{images.length === 1 ? '' : 's'}
          {full ? ' (full)' : ''}
        </span>{' '}
        <button type="button" className="link" onClick={props.onRemove}>
          remove class
        </button>
      </div>
      <div className="thumbnails">
        {images.slice(-SHOWN).map((image) => (
          <button
            type="button"
            key={image.id}
            className="thumbnail"
            title="Delete this image"
            aria-label={`Delete image of ${name}`}
            onClick={() => props.onDelete(image.id)}
          >
            <img src={thumbnailUrl(image)} alt="" width={40} height={40} />
          </button>
        ))}
      </div>
    </li>
  );
}
