import { useStudio } from '../store/store';

/** Large type and thicker lines for a projector. */
export function PresentationToggle() {
  const presentation = useStudio((state) => state.presentation);
  return (
    <button
      type="button"
      data-testid="presentation-toggle"
      aria-pressed={presentation}
      onClick={() => useStudio.getState().setPresentation(!presentation)}
    >
      {presentation ? 'Exit presentation' : 'Presentation mode'}
    </button>
  );
}
