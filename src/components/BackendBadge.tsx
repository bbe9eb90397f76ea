import { studioActions } from '../bridge/bridge';
import { useStudio } from '../store/store';

/**
 * Which TF.js backend trains, why the ones before it were skipped, whether the choice was
 * remembered from an earlier visit, and a way to choose again.
 */
export function BackendBadge() {
  const backend = useStudio((state) => state.backend);
  const skipped = useStudio((state) => state.skippedBackends);
  const tfVersion = useStudio((state) => state.tfVersion);
  const detail = useStudio((state) => state.backendDetail);
  const progress = useStudio((state) => state.backendProgress);
  const fromMemory = useStudio((state) => state.backendFromMemory);
  const jobExists = useStudio((state) => state.runState !== 'idle');
  return (
    <div className="backend-badge" aria-live="polite">
      <span>Backend: </span>
      <strong data-testid="backend">{backend ?? 'choosing…'}</strong>
      {!backend && progress && (
        <span className="muted" data-testid="backend-progress">
          {' '}
          {progress}
        </span>
      )}
      {detail && <span data-testid="backend-detail"> · {detail}</span>}
      {tfVersion && <span className="muted"> (TF.js {tfVersion})</span>}
      {backend && fromMemory && (
        <span className="muted small" data-testid="backend-remembered">
          {' '}
          · chosen on an earlier visit
        </span>
      )}
      {backend && (
        <button
          type="button"
          className="link-button small"
          data-testid="backend-recheck"
          disabled={jobExists}
          title={
            jobExists ? 'Reset the job first' : 'Time every backend again and keep the fastest'
          }
          onClick={studioActions.recheckBackends}
        >
          re-check backends
        </button>
      )}
      {skipped.length > 0 && (
        <ul className="skipped" aria-label="Skipped backends">
          {skipped.map(({ backend: name, reason }) => (
            <li key={name}>
              {name}: {reason}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
