import { useStudio } from '../../store/store';

/** How far the current epoch is. */
export function EpochProgress() {
  const step = useStudio((state) => state.step);
  const stepsPerEpoch = useStudio((state) => state.stepsPerEpoch);
  const runState = useStudio((state) => state.runState);
  if (stepsPerEpoch === 0 || runState === 'idle') return null;
  const inEpoch = step - Math.floor((step - 1) / stepsPerEpoch) * stepsPerEpoch;
  const done = step === 0 ? 0 : inEpoch;
  return (
    <div className="progress-row">
      <span className="small">epoch progress</span>
      <progress
        data-testid="epoch-progress"
        value={done}
        max={stepsPerEpoch}
        aria-label="Epoch progress"
      />
      <span className="small muted">
        {done}/{stepsPerEpoch} steps
      </span>
    </div>
  );
}
