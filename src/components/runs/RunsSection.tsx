import { useStudio } from '../../store/store';
import { RunsOverlay } from './RunsOverlay';
import { RunsTable } from './RunsTable';
import { RunsToolbar } from './RunsToolbar';

/** Every run kept in this browser: the table, and the selected runs drawn together. */
export function RunsSection() {
  const message = useStudio((state) => state.runsMessage);
  const setMessage = useStudio((state) => state.setRunsMessage);
  return (
    <section
      className="panel runs-section"
      aria-labelledby="runs-heading"
      data-testid="runs-section"
    >
      <h2 id="runs-heading">Runs</h2>
      <RunsToolbar />
      {message && (
        <p
          className={message.kind === 'error' ? 'runs-message error-text' : 'runs-message'}
          role={message.kind === 'error' ? 'alert' : 'status'}
          data-testid="runs-message"
        >
          {message.text}{' '}
          <button type="button" className="link-button" onClick={() => setMessage(null)}>
            dismiss
          </button>
        </p>
      )}
      <RunsTable />
      <RunsOverlay />
    </section>
  );
}
