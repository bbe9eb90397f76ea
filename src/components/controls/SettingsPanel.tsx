import { studioActions } from '../../bridge/bridge';
import {
  ARCHITECTURE_NAMES,
  type ArchitectureName,
  type ModelMode,
} from '../../model/architectures';
import { RANK_TERMS, type RankTerm } from '../../lowrank/rankTerms';
import { useStudio } from '../../store/store';
import { KnobSlider } from './KnobSlider';
import { PruningScheduleControls } from './PruningScheduleControls';
import { TargetSizeControl } from './TargetSizeControl';

const ARCHITECTURE_LABELS: Record<ArchitectureName, string> = {
  resnet8: 'ResNet-8',
  resnet20: 'ResNet-20',
  resnet32: 'ResNet-32',
  resnet56: 'ResNet-56',
  resnet18: 'ResNet-18',
};

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
        <label>
          Model{' '}
          <select
            value={config.architecture}
            disabled={runState === 'running'}
            onChange={(event) =>
              studioActions.setKnob('architecture', event.target.value as ArchitectureName)
            }
          >
            {ARCHITECTURE_NAMES.map((name) => (
              <option key={name} value={name}>
                {ARCHITECTURE_LABELS[name]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Mode{' '}
          <select
            data-testid="mode-select"
            value={config.mode}
            disabled={runState === 'running'}
            onChange={(event) => studioActions.setKnob('mode', event.target.value as ModelMode)}
          >
            <option value="lowrank">low-rank (DPRP)</option>
            <option value="dense">dense baseline</option>
          </select>
        </label>
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
        <label>
          rank term{' '}
          <select
            data-testid="rank-term-select"
            value={config.rankTerm}
            onChange={(event) => studioActions.setKnob('rankTerm', event.target.value as RankTerm)}
          >
            {RANK_TERMS.map((term) => (
              <option key={term} value={term}>
                {term}
              </option>
            ))}
          </select>
        </label>
        <label>
          rule{' '}
          <select
            data-testid="prune-rule-select"
            value={config.pruneRule}
            onChange={(event) =>
              studioActions.setKnob('pruneRule', event.target.value as 'relative' | 'energy')
            }
          >
            <option value="relative">|s| ≥ τ·max</option>
            <option value="energy">keep 1−ε energy</option>
          </select>
        </label>
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
