import { useStudio } from '../store/store';

/** The last error (what went wrong and what to do) and the last warning. */
export function ErrorBanner() {
  const error = useStudio((state) => state.error);
  const warning = useStudio((state) => state.warning);
  return (
    <>
      {error && (
        <p className="error" role="alert" data-testid="error">
          {error.message}
        </p>
      )}
      {warning && (
        <p className="warning" role="status" data-testid="warning">
          {warning}
        </p>
      )}
    </>
  );
}
