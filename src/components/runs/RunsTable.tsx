import { useMemo } from 'react';
import { runActions } from '../../bridge/runActions';
import { columnsFor, filterRows, sortRows, type RunRow } from '../../runs/runColumns';
import { useStudio } from '../../store/store';
import { runColour } from './overlaySeries';

/** One row a kept run: sortable columns, a column per knob that differs, a name and a note. */
export function RunsTable() {
  const runs = useStudio((state) => state.runs);
  const filter = useStudio((state) => state.runsFilter);
  const sort = useStudio((state) => state.runsSort);
  const sortBy = useStudio((state) => state.sortRunsBy);
  const selected = useStudio((state) => state.selectedRunIds);
  const columns = useMemo(() => columnsFor(runs), [runs]);
  const shown = useMemo(
    () => sortRows(filterRows(runs, filter, columns), columns, sort),
    [runs, filter, columns, sort],
  );
  if (runs.length === 0)
    return (
      <p className="muted small" data-testid="runs-empty">
        Every run you train here is kept in this browser when it ends or is stopped. Runs from files
        (a run file, a run log such as the PyTorch twin&apos;s, or TensorBoard event files this
        studio wrote) join them with Import runs.
      </p>
    );
  return (
    <div className="runs-table-wrap">
      <table className="runs-table" data-testid="runs-table">
        <thead>
          <tr>
            <th scope="col">Draw</th>
            <th scope="col">Pin</th>
            {columns.map((column) => (
              <th
                key={column.key}
                scope="col"
                aria-sort={
                  sort.key === column.key ? (sort.descending ? 'descending' : 'ascending') : 'none'
                }
              >
                <button
                  type="button"
                  className="link-button"
                  data-testid={`runs-sort-${column.key}`}
                  onClick={() => sortBy(column.key)}
                >
                  {column.label}
                  {sort.key === column.key ? (sort.descending ? ' ▼' : ' ▲') : ''}
                </button>
              </th>
            ))}
            <th scope="col">Note</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((row) => (
            <RunTableRow
              key={row.id}
              row={row}
              columns={columns}
              selectedIndex={selected.indexOf(row.id)}
            />
          ))}
        </tbody>
      </table>
      {shown.length < runs.length && (
        <p className="small muted">
          {runs.length - shown.length} of {runs.length} runs hidden by the filter.
        </p>
      )}
    </div>
  );
}

function RunTableRow({
  row,
  columns,
  selectedIndex,
}: {
  row: RunRow;
  columns: ReturnType<typeof columnsFor>;
  selectedIndex: number;
}) {
  const toggle = useStudio((state) => state.toggleRunSelected);
  const selected = selectedIndex >= 0;
  return (
    <tr data-testid="runs-row" data-run-name={row.name} className={selected ? 'selected' : ''}>
      <td>
        <input
          type="checkbox"
          aria-label={`Draw ${row.name}`}
          data-testid="runs-select"
          checked={selected}
          onChange={() => toggle(row.id)}
        />
        {selected && (
          <span className="run-swatch" style={{ background: runColour(selectedIndex) }} />
        )}
      </td>
      <td>
        <button
          type="button"
          className="link-button"
          aria-pressed={row.pinned}
          aria-label={
            row.pinned ? `Unpin ${row.name}` : `Pin ${row.name} (never removed by the budget)`
          }
          data-testid="runs-pin"
          onClick={() => void runActions.update(row.id, { pinned: !row.pinned })}
        >
          {row.pinned ? '★' : '☆'}
        </button>
      </td>
      {columns.map((column) =>
        column.key === 'name' ? (
          <td key="name">
            <EditableText
              value={row.name}
              label="Run name"
              testId="runs-name"
              onCommit={(name) => name && void runActions.update(row.id, { name })}
            />
          </td>
        ) : (
          <td key={column.key} data-column={column.key}>
            {column.text(row)}
          </td>
        ),
      )}
      <td>
        <EditableText
          value={row.note}
          label="Note"
          testId="runs-note"
          onCommit={(note) => void runActions.update(row.id, { note })}
        />
      </td>
      <td className="runs-actions">
        <button type="button" className="link-button" onClick={() => void runActions.open(row.id)}>
          Open
        </button>
        <button
          type="button"
          className="link-button"
          data-testid="runs-export-file"
          onClick={() => void runActions.exportRunFile(row.id)}
        >
          Run file
        </button>
        <button
          type="button"
          className="link-button"
          onClick={() => void runActions.exportCsv(row.id)}
        >
          CSV
        </button>
        <button
          type="button"
          className="link-button"
          data-testid="runs-delete"
          onClick={() => void runActions.remove([row.id])}
        >
          Delete
        </button>
      </td>
    </tr>
  );
}

/** A text field that saves when it loses focus or on Enter. */
function EditableText({
  value,
  label,
  testId,
  onCommit,
}: {
  value: string;
  label: string;
  testId: string;
  onCommit: (value: string) => void;
}) {
  return (
    <input
      key={value}
      className="runs-text"
      aria-label={label}
      data-testid={testId}
      defaultValue={value}
      onBlur={(event) => {
        const next = event.target.value.trim();
        if (next !== value) onCommit(next);
      }}
      onKeyDown={(event) => {
        if (event.key === 'Enter') event.currentTarget.blur();
      }}
    />
  );
}
