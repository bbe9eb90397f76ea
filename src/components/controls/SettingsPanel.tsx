import { studioActions } from '../../bridge/bridge';
import { useStudio } from '../../store/store';
import { KnobSelect } from './KnobSelect';
import { KnobSlider } from './KnobSlider';
import { PruningScheduleControls } from './PruningScheduleControls';
import { TargetSizeControl } from './TargetSizeControl';

/** The model, the method's knobs (live while training) and the comparison switch. */
export function SettingsPanel() {
  const config = useStudio((state) => state.config);
  const runState = useStudio((state) => state.runState);
  const compareWithDense = useStudio((state) => state.compareWithDense);
  const jobExists = runState !== 'idle';
  const lowrank = config.mode === 'lowrank';
  return (
    <section
      className="panel settings"
      aria-labelledby="settings-heading"
      data-tour="settings-panel"
    >
      <h2 id="settings-heading">Model and method</h2>
      <div className="row">
        <KnobSelect name="architecture" label="Model" disabled={runState === 'running'} />
        <KnobSelect
          name="mode"
          label="Mode"
          testId="mode-select"
          disabled={runState === 'running'}
        />
        <span className="muted small">
          width ×{config.widthMultiplier}, {config.inputSize} px, {config.epochs} epochs, batch{' '}
          {config.batchSize}
          {jobExists && ' · model changes apply at the next Start'}
        </span>
      </div>
      <div className="sliders">
        <KnobSlider name="lambdaOrth" label="λ orthogonality" testId="slider-lambda-orth" />
        <KnobSlider name="lambdaRank" label="λ rank" testId="slider-lambda-rank" />
        <KnobSlider name="pruneThreshold" label="τ pruning cut" testId="slider-tau" />
        <KnobSlider name="learningRate" label="learning rate" testId="slider-lr" />
      </div>
      <TargetSizeControl />
      <div className="row">
        <label>
          <input
            type="checkbox"
            data-testid="toggle-pruning"
            checked={config.pruning}
            onChange={(event) => studioActions.setKnob('pruning', event.target.checked)}
          />{' '}
          prune during training
        </label>
        <KnobSelect name="rankTerm" label="rank term" testId="rank-term-select" />
        <KnobSelect name="pruneRule" label="rule" testId="prune-rule-select" />
        <button
          type="button"
          data-testid="prune-now"
          disabled={!jobExists || !lowrank}
          onClick={studioActions.pruneNow}
        >
          Prune now
        </button>
        <button
          type="button"
          data-testid="compare-dense"
          aria-pressed={compareWithDense}
          disabled={!lowrank}
          onClick={() => useStudio.getState().setCompareWithDense(!compareWithDense)}
        >
          {compareWithDense ? '✓ Compare with dense' : 'Compare with dense'}
        </button>
      </div>
      <PruningScheduleControls />
    </section>
  );
}
