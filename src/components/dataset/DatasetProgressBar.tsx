import { studioActions } from '../../bridge/bridge';
import { useStudio } from '../../store/store';

const PHASE_LABELS = {
  download: 'Downloading',
  read: 'Reading and parsing',
  decode: 'Decoding images',
  generate: 'Generating built-in images',
  cache: 'Saving to the browser cache',
} as const;

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** Decoding counts images; every other phase counts bytes. */
function amount(phase: string, done: number, total: number | null): string {
  if (phase === 'decode')
    return `${done.toLocaleString()}${total ? ` of ${total.toLocaleString()}` : ''} images`;
  return `${megabytes(done)}${total ? ` of ${megabytes(total)}` : ''}`;
}

/** Bytes, percentage and time left of the dataset being loaded. */
export function DatasetProgressBar() {
  const progress = useStudio((state) => state.datasetLoading);
  if (!progress) return null;
  const { phase, loadedBytes, totalBytes, secondsLeft } = progress;
  const fraction = totalBytes ? loadedBytes / totalBytes : undefined;
  return (
    <div className="progress-row" data-testid="dataset-progress">
      <span>{PHASE_LABELS[phase]}</span>
      <progress value={fraction} max={1} aria-label="Dataset loading progress" />
      {loadedBytes > 0 && (
        <span className="muted">
          {amount(phase, loadedBytes, totalBytes)}
          {secondsLeft !== null ? `, about ${secondsLeft} s left` : ''}
        </span>
      )}
      {(phase === 'download' || phase === 'read' || phase === 'decode') && (
        <button
          type="button"
          data-testid="dataset-cancel"
          onClick={studioActions.cancelDatasetLoad}
        >
          Cancel
        </button>
      )}
    </div>
  );
}
