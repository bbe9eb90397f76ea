import { studioActions } from '../../bridge/bridge';
import { KNOBS } from '../../config';
import { useStudio } from '../../store/store';
import { KnobSlider } from './KnobSlider';

/** Where the user names the size to end at: off (the threshold rule decides) or 10-90%. */
export function TargetSizeControl() {
  const target = useStudio((state) => state.config.targetParamsKept);
  const knob = KNOBS.targetParamsKept;
  const off = knob.off ?? 0;
  const on = target !== off;
  return (
    <div className="target-size">
      <label title={knob.help}>
        <input
          type="checkbox"
          data-testid="toggle-target"
          checked={on}
          onChange={(event) =>
            studioActions.setKnob('targetParamsKept', event.target.checked ? 50 : off)
          }
        />{' '}
        end at a target size
      </label>
      {on ? (
        <KnobSlider name="targetParamsKept" label="target params kept" testId="slider-target" />
      ) : (
        <span className="muted small">off: the τ / ε rule decides what to cut</span>
      )}
    </div>
  );
}
