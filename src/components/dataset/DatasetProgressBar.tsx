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
          {megabytes(loadedBytes)}
          {totalBytes ? ` of ${megabytes(totalBytes)}` : ''}
          {secondsLeft !== null ? `, about ${secondsLeft} s left` : ''}
        </span>
      )}
    </div>
  );
}
