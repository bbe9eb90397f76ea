import { megabytes } from '../../bridge/runLibrary';
import { runActions } from '../../bridge/runActions';
import { useStudio } from '../../store/store';

const BUDGETS_MB = [50, 100, 200, 500, 1000, 2000];

/** Import, filter, the storage budget and the actions on the selected runs. */
export function RunsToolbar() {
  const runs = useStudio((state) => state.runs);
  const selected = useStudio((state) => state.selectedRunIds);
  const filter = useStudio((state) => state.runsFilter);
  const setFilter = useStudio((state) => state.setRunsFilter);
  const budget = useStudio((state) => state.runsBudget);
  const used = runs.reduce((sum, run) => sum + run.bytes, 0);
  return (
    <div className="runs-toolbar">
      <label className="file-label">
        Import runs
        <input
          type="file"
          multiple
          data-testid="runs-import"
          onChange={(event) => {
            const files = [...(event.target.files ?? [])];
            if (files.length) void runActions.importFiles(files);
            event.target.value = '';
          }}
        />
      </label>
      <input
        type="search"
        className="runs-filter"
        data-testid="runs-filter"
        placeholder="Filter: words, or test>60 lambdaRank=0.3"
        aria-label="Filter runs"
        value={filter}
        onChange={(event) => setFilter(event.target.value)}
      />
      <button
        type="button"
        data-testid="runs-export-tensorboard"
        disabled={selected.length === 0}
        onClick={() => void runActions.exportTensorBoard(selected)}
      >
        TensorBoard files of selected
      </button>
      <button
        type="button"
        data-testid="runs-delete-selected"
        disabled={selected.length === 0}
        onClick={() => void runActions.remove(selected)}
      >
        Delete selected
      </button>
      <button
        type="button"
        data-testid="runs-delete-all"
        disabled={runs.length === 0}
        onClick={() => {
          if (confirm(`Delete all ${runs.length} runs kept in this browser, pinned ones too?`))
            void runActions.removeAll();
        }}
      >
        Delete all
      </button>
      <span className="small muted" data-testid="runs-storage">
        {runs.length} run{runs.length === 1 ? '' : 's'}, {megabytes(used)} of{' '}
        <select
          aria-label="Storage budget"
          data-testid="runs-budget"
          value={Math.round(budget / 1024 / 1024)}
          onChange={(event) => runActions.setBudget(Number(event.target.value) * 1024 * 1024)}
        >
          {BUDGETS_MB.map((mb) => (
            <option key={mb} value={mb}>
              {mb} MB
            </option>
          ))}
        </select>{' '}
        (past it, the oldest unpinned runs are removed)
      </span>
    </div>
  );
}
