import { useMemo } from 'react';
import { useStudio, type RunAlignment } from '../../store/store';
import { OverlayChart } from './OverlayChart';
import { RunsScatter } from './RunsScatter';

const ALIGNMENTS: { value: RunAlignment; label: string }[] = [
  { value: 'step', label: 'step' },
  { value: 'epoch', label: 'epoch' },
  { value: 'fraction', label: 'share of the run' },
];

/** The selected runs drawn together: loss, accuracy, size and rank, and accuracy against size. */
export function RunsOverlay() {
  const runs = useStudio((state) => state.runs);
  const selected = useStudio((state) => state.selectedRunIds);
  const alignment = useStudio((state) => state.runsAlignment);
  const setAlignment = useStudio((state) => state.setRunsAlignment);
  // in the order they were selected: a run keeps its colour while others come and go
  const rows = useMemo(
    () => selected.flatMap((id) => runs.filter((run) => run.id === id)),
    [runs, selected],
  );
  if (rows.length === 0)
    return (
      <p className="muted small" data-testid="runs-overlay-empty">
        Tick runs in the table to draw them together.
      </p>
    );
  return (
    <div data-testid="runs-overlay">
      <label className="small">
        Line runs up by{' '}
        <select
          data-testid="runs-alignment"
          value={alignment}
          onChange={(event) => setAlignment(event.target.value as RunAlignment)}
        >
          {ALIGNMENTS.map((a) => (
            <option key={a.value} value={a.value}>
              {a.label}
            </option>
          ))}
        </select>
      </label>
      <div className="runs-overlay-grid">
        <OverlayChart
          title="Cross-entropy"
          testId="overlay-loss"
          rows={rows}
          field="crossEntropy"
          alignment={alignment}
          explanation="The training cross-entropy of each selected run (each bucket of steps keeps its lowest and highest value)."
        />
        <OverlayChart
          title="Accuracy per epoch"
          testId="overlay-accuracy"
          rows={rows}
          field="evalAccuracy"
          alignment={alignment}
          percent
          range={{ domain: [0, 100], ticks: [0, 25, 50, 75, 100] }}
          explanation="Each epoch's accuracy: on the held-out validation images for a run that kept some, else on the test set."
        />
        <OverlayChart
          title="Params kept"
          testId="overlay-size"
          rows={rows}
          field="paramsKept"
          alignment={alignment}
          percent
          range={{ domain: [0, 100], ticks: [0, 25, 50, 75, 100] }}
          explanation="The deployable params as a share of the dense network, at every epoch and prune event."
        />
        <OverlayChart
          title="Rank kept"
          testId="overlay-rank"
          rows={rows}
          field="rankKept"
          alignment={alignment}
          percent
          range={{ domain: [0, 100], ticks: [0, 25, 50, 75, 100] }}
          explanation="The sum of the layers' ranks over the sum of their full ranks."
        />
        <RunsScatter rows={rows} />
      </div>
    </div>
  );
}
