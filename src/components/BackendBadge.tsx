import { useStudio } from '../store/store';

/** Which TF.js backend trains, and why the ones before it were skipped. */
export function BackendBadge() {
  const backend = useStudio((state) => state.backend);
  const skipped = useStudio((state) => state.skippedBackends);
  const tfVersion = useStudio((state) => state.tfVersion);
  const detail = useStudio((state) => state.backendDetail);
  return (
    <div className="backend-badge">
      <span>Backend: </span>
      <strong data-testid="backend">{backend ?? 'starting…'}</strong>
      {detail && <span data-testid="backend-detail"> · {detail}</span>}
      {tfVersion && <span className="muted"> (TF.js {tfVersion})</span>}
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
