import { useStudio } from '../store/store';

export function ErrorBanner() {
  const message = useStudio((state) => state.error?.message);
  if (!message) return null;
  return (
    <p className="error" role="alert" data-testid="error">
      {message}
    </p>
  );
}
