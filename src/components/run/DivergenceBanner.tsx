import { studioActions } from '../../bridge/bridge';
import { useStudio } from '../../store/store';

/** The loss became NaN or infinite: the run is paused; go back to its last good autosave. */
export function DivergenceBanner() {
  const divergence = useStudio((state) => state.divergence);
  if (!divergence) return null;
  const { run, step, autosaveStep } = divergence;
  return (
    <div className="banner error" role="alert" data-testid="diverged">
      <p>
        The {run === 'baseline' ? "dense baseline's " : ''}loss became NaN or infinite at step{' '}
        {step}: the run is paused, and its weights can no longer be exported. The learning rate or
        the regulariser weights are too high for this network.
      </p>
      {autosaveStep !== null ? (
        <p>
          <button
            type="button"
            data-testid="resume-saved-lower"
            onClick={() => studioActions.resumeSaved(true)}
          >
            Go back to step {autosaveStep} at half the learning rate
          </button>{' '}
          <button type="button" onClick={() => studioActions.resumeSaved(false)}>
            Go back to step {autosaveStep} as it was
          </button>
        </p>
      ) : (
        <p>No good state was saved before it: lower the learning rate and start again.</p>
      )}
    </div>
  );
}
