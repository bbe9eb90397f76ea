import { runLogActions } from '../../bridge/runLogViewer';
import { useStudio } from '../../store/store';

/**
 * Opens a run log (the studio's own, from a downloaded model's zip, or the PyTorch twin's
 * run-log.jsonl) and shows it in the charts: the whole run, any step of it, or a replay.
 */
export function RunLogPanel() {
  const view = useStudio((state) => state.runLogView);
  const jobRunning = useStudio((state) => state.runState !== 'idle');
  return (
    <section className="panel" aria-labelledby="run-log-heading">
      <h2 id="run-log-heading">Run logs</h2>
      <label className="file-label">
        Open run log
        <input
          type="file"
          data-testid="run-log-file"
          accept=".jsonl,.json,application/jsonl"
          disabled={jobRunning}
          onChange={(event) => {
            const file = event.target.files?.[0];
            if (file) void runLogActions.open(file);
            event.target.value = '';
          }}
        />
      </label>
      {jobRunning ? (
        <p className="muted small">
          Reset the run to open a log: the charts show one run at a time.
        </p>
      ) : (
        !view && (
          <p className="muted small">
            <code>run-log.jsonl</code> from a downloaded model, or from a PyTorch run of an exported
            recipe.
          </p>
        )
      )}
      {view && <RunLogControls />}
    </section>
  );
}

function RunLogControls() {
  const view = useStudio((state) => state.runLogView);
  if (!view) return null;
  return (
    <div data-testid="run-log-view">
      <p className="small">
        <strong>{view.fileName}</strong>: {view.source}.
        <br />
        {view.recipe}. Step <span data-testid="run-log-step">{view.shownStep}</span> of{' '}
        {view.lastStep}.
      </p>
      <input
        type="range"
        aria-label="Step of the run log shown"
        data-testid="run-log-scrub"
        min={0}
        max={view.lastStep}
        value={view.shownStep}
        onChange={(event) => runLogActions.showStep(Number(event.target.value))}
      />
      <div className="row">
        <button
          type="button"
          data-testid="run-log-replay"
          onClick={view.replaying ? runLogActions.pauseReplay : runLogActions.replay}
        >
          {view.replaying ? 'Pause replay' : 'Replay'}
        </button>
        <button type="button" className="link-button" onClick={runLogActions.close}>
          Close log
        </button>
      </div>
    </div>
  );
}
