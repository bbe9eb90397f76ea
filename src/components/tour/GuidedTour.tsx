import { useEffect, useRef } from 'react';
import { useStudio } from '../../store/store';
import { TOUR_STEPS } from './tourSteps';

const HIGHLIGHT = 'tour-highlight';

/** Highlights the current step's panel while the tour is on that step. */
function useHighlight(target: string | null): void {
  useEffect(() => {
    if (!target) return;
    const element = document.querySelector<HTMLElement>(`[data-tour="${target}"]`);
    if (!element) return;
    element.classList.add(HIGHLIGHT);
    element.scrollIntoView?.({ block: 'center', behavior: 'smooth' });
    return () => element.classList.remove(HIGHLIGHT);
  }, [target]);
}

/**
 * The five-step classroom walkthrough: a dialog beside the highlighted panel, driven by the
 * buttons or the keyboard (arrows to move, Escape to leave). Reopened from the header.
 */
export function GuidedTour() {
  const step = useStudio((state) => state.tourStep);
  const setTourStep = useStudio((state) => state.setTourStep);
  const next = useRef<HTMLButtonElement>(null);
  const current = step === null ? null : TOUR_STEPS[step];
  useHighlight(current?.target ?? null);
  useEffect(() => next.current?.focus(), [step]);
  if (step === null || !current) return null;
  const last = step === TOUR_STEPS.length - 1;
  const go = (to: number) => setTourStep(Math.min(TOUR_STEPS.length - 1, Math.max(0, to)));
  const close = () => {
    setTourStep(null);
    document.querySelector<HTMLElement>('[data-testid="tour-open"]')?.focus();
  };
  return (
    <div
      className="tour"
      role="dialog"
      aria-modal="false"
      aria-labelledby="tour-title"
      aria-describedby="tour-text"
      data-testid="tour"
      onKeyDown={(event) => {
        if (event.key === 'Escape') close();
        else if (event.key === 'ArrowRight') go(step + 1);
        else if (event.key === 'ArrowLeft') go(step - 1);
        else return;
        event.preventDefault();
      }}
    >
      <p className="muted small" data-testid="tour-position">
        Step {step + 1} of {TOUR_STEPS.length}
      </p>
      <h2 id="tour-title">{current.title}</h2>
      <p id="tour-text">{current.text}</p>
      <div className="row">
        <button type="button" disabled={step === 0} onClick={() => go(step - 1)}>
          Back
        </button>
        <button
          type="button"
          ref={next}
          data-testid="tour-next"
          onClick={() => (last ? close() : go(step + 1))}
        >
          {last ? 'Finish' : 'Next'}
        </button>
        <button type="button" data-testid="tour-close" onClick={close}>
          Close tour
        </button>
      </div>
    </div>
  );
}

/** Opens the walkthrough at its first step, or closes it. */
export function TourButton() {
  const open = useStudio((state) => state.tourStep !== null);
  return (
    <button
      type="button"
      data-testid="tour-open"
      aria-pressed={open}
      onClick={() => useStudio.getState().setTourStep(open ? null : 0)}
    >
      {open ? 'Close tour' : 'Take the tour'}
    </button>
  );
}
