import { useMemo } from 'react';
import { useStudio, type RunAlignment } from '../../store/store';
import { OverlayChart } from './OverlayChart';
import { RunsScatter } from './RunsScatter';

const ALIGNMENTS: { value: RunAlignment; label: string }[] = [
  { value: 'step', label: 'step' },
  { value: 'epoch', label: 'epoch' },
  { value: 'fraction', label: 'share of the run' },
];

const PERCENT_RANGE = { domain: [0, 100] as [number, number], ticks: [0, 25, 50, 75, 100] };

/** The overlays drawn as percentages, 0-100%. */
const PERCENT_CHARTS = [
  {
    title: 'Accuracy per epoch',
    testId: 'overlay-accuracy',
    field: 'evalAccuracy',
    explanation:
      "Each epoch's accuracy: on the held-out validation images for a run that kept some, else on the test set.",
  },
  {
    title: 'Params kept',
    testId: 'overlay-size',
    field: 'paramsKept',
    explanation:
      'The deployable params as a share of the dense network, at every epoch and prune event.',
  },
  {
    title: 'Rank kept',
    testId: 'overlay-rank',
    field: 'rankKept',
    explanation: "The sum of the layers' ranks over the sum of their full ranks.",
  },
] as const;

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
        {PERCENT_CHARTS.map((chart) => (
          <OverlayChart
            key={chart.field}
            {...chart}
            rows={rows}
            alignment={alignment}
            percent
            range={PERCENT_RANGE}
          />
        ))}
        <RunsScatter rows={rows} />
      </div>
    </div>
  );
}
