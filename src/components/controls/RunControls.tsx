import { studioActions } from '../../bridge/bridge';
import { PRESET_NAMES, type PresetName } from '../../presets';
import { useStudio } from '../../store/store';
import { EpochProgress } from './EpochProgress';

const PRESET_LABELS: Record<PresetName, string> = {
  classroom: 'Classroom quick demo',
  micro: 'Micro ResNet-8 (quick demo)',
  'micro-resnet20': 'Micro ResNet-20',
  'your-images': 'Your images (ResNet-8, 32 px)',
  'paper-recipe': 'Paper recipe (ResNet-20, full width)',
};

/** Preset, and the buttons that drive the job: start, pause/resume, one step, reset. */
export function RunControls() {
  const runState = useStudio((state) => state.runState);
  const datasetReady = useStudio(
    (state) => state.dataset !== null && state.datasetLoading === null,
  );
  const building = useStudio((state) => state.building);
  const canStart = datasetReady && !building && (runState === 'idle' || runState === 'finished');
  const preset = useStudio((state) => state.preset);
  const datasetKind = useStudio((state) => state.dataset?.kind);
  return (
    <section className="panel run-controls" aria-label="Run controls" data-tour="run-controls">
      <label>
        Preset{' '}
        <select
          data-testid="preset-select"
          value={preset ?? ''}
          onChange={(event) => studioActions.choosePreset(event.target.value as PresetName)}
        >
          <option value="" disabled>
            custom
          </option>
          {PRESET_NAMES.map((name) => (
            <option key={name} value={name}>
              {PRESET_LABELS[name]}
            </option>
          ))}
        </select>
      </label>
      <button data-testid="start" type="button" disabled={!canStart} onClick={studioActions.start}>
        Start
      </button>
      {runState === 'paused' ? (
        <button data-testid="resume" type="button" onClick={studioActions.resume}>
          Resume
        </button>
      ) : (
        <button
          data-testid="pause"
          type="button"
          disabled={runState !== 'running'}
          onClick={studioActions.pause}
        >
          Pause
        </button>
      )}
      <button
        type="button"
        disabled={runState !== 'paused' && runState !== 'ready'}
        onClick={studioActions.step}
      >
        Step
      </button>
      <button
        data-testid="reset"
        type="button"
        disabled={runState === 'idle' && !building}
        onClick={studioActions.reset}
      >
        {building ? 'Cancel' : 'Reset'}
      </button>
      <RunStatus />
      {building && (
        <p className="muted small" data-testid="building" aria-live="polite">
          Building the network: {building.name} ({building.done + 1} of {building.total})
        </p>
      )}
      <EpochProgress />
      {preset === 'classroom' && runState === 'idle' && (
        <p className="start-hint" data-testid="start-hint">
          Press <strong>Start</strong> and watch the test accuracy climb while the network is pruned
          to half its size: about half a minute.
        </p>
      )}
      {preset === 'paper-recipe' && datasetKind !== 'cifar10' && (
        <p className="muted small" data-testid="preset-hint">
          The paper recipe is meant for CIFAR-10: load it under Dataset (full ResNet-20 training
          needs a real GPU).
        </p>
      )}
    </section>
  );
}

function RunStatus() {
  const runState = useStudio((state) => state.runState);
  const step = useStudio((state) => state.step);
  const epoch = useStudio((state) => state.epoch);
  const epochs = useStudio((state) => state.jobConfig?.epochs);
  return (
    <span className="run-status" aria-live="polite">
      <span data-testid="run-state">{runState}</span> · step{' '}
      <strong data-testid="step-counter">{step}</strong>
      {epochs !== undefined && (
        <>
          {' '}
          · epoch <strong data-testid="epoch-counter">{epoch}</strong> / {epochs}
        </>
      )}
    </span>
  );
}
