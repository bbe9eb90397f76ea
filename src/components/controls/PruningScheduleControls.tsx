import { studioActions } from '../../bridge/bridge';
import { KNOBS } from '../../config';
import { useStudio } from '../../store/store';
import { KnobSlider } from './KnobSlider';

/** The pruning policy's knobs: window, loss gate, spacing, cap, floors. Folded by default. */
export function PruningScheduleControls() {
  const pruneClassifier = useStudio((state) => state.config.pruneClassifier);
  const fadeBeforeCut = useStudio((state) => state.config.fadeBeforeCut);
  return (
    <details className="schedule-controls">
      <summary>Pruning schedule</summary>
      <div className="sliders">
        <KnobSlider name="pruneStart" label="earliest start (of run)" testId="slider-prune-start" />
        <KnobSlider name="pruneEnd" label="end (of run)" testId="slider-prune-end" />
        <KnobSlider name="pruneInterval" label="between events" testId="slider-prune-interval" />
        <KnobSlider name="pruneLossDrop" label="loss must fall by" testId="slider-loss-drop" />
        <KnobSlider name="pruneCap" label="cap per event" testId="slider-prune-cap" />
        <KnobSlider name="minRank" label="minimum rank" testId="slider-min-rank" />
      </div>
      <div className="row">
        <label title={KNOBS.pruneClassifier.help}>
          <input
            type="checkbox"
            checked={pruneClassifier}
            onChange={(event) => studioActions.setKnob('pruneClassifier', event.target.checked)}
          />{' '}
          prune the classifier (keeps classes − 1)
        </label>
        <label title={KNOBS.fadeBeforeCut.help}>
          <input
            type="checkbox"
            checked={fadeBeforeCut}
            onChange={(event) => studioActions.setKnob('fadeBeforeCut', event.target.checked)}
          />{' '}
          fade before cutting
        </label>
      </div>
      <p className="muted small">
        Fractions are of the whole run. Pruning ends at the first learning-rate decay of a step
        schedule; the rest of the run fine-tunes the smaller network.
      </p>
    </details>
  );
}
