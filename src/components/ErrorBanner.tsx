import { useStudio } from '../store/store';

export function ErrorBanner() {
  const message = useStudio((state) => state.workerError);
  if (!message) return null;
  return (
    <p className="error" role="alert" data-testid="error">
      {message}
    </p>
  );
}
