import { studioActions } from '../../bridge/bridge';
import { useStudio } from '../../store/store';

/** After a reload, a crash or a closed tab: the autosaved run, ready to continue. */
export function SavedRunBanner() {
  const saved = useStudio((state) => state.savedRun);
  const idle = useStudio((state) => state.runState === 'idle');
  const divergence = useStudio((state) => state.divergence);
  if (!saved || !idle || divergence) return null;
  const when = new Date(saved.savedAt).toLocaleString();
  return (
    <div className="banner notice" role="status" data-testid="saved-run">
      <span>
        A run was saved on {when}: {saved.description}, epoch {saved.epoch} of {saved.epochs}.
      </span>{' '}
      <button type="button" data-testid="resume-saved" onClick={() => studioActions.resumeSaved()}>
        Resume run from step {saved.step}
      </button>{' '}
      <button type="button" className="link-button" onClick={studioActions.discardSaved}>
        Discard it
      </button>
    </div>
  );
}
