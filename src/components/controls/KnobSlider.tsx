import { studioActions } from '../../bridge/bridge';
import { KNOBS, type KnobName } from '../../config';
import { useStudio } from '../../store/store';

type NumberKnobName = {
  [K in KnobName]: (typeof KNOBS)[K] extends { type: 'number' } ? K : never;
}[KnobName];

const STEPS = 200;

function format(value: number): string {
  if (value === 0) return '0';
  return Math.abs(value) < 0.01 || Math.abs(value) >= 1000
    ? value.toExponential(1)
    : String(Number(value.toPrecision(3)));
}

/** A range input for one numeric knob, from the knob table; log-scaled where the knob says so. */
export function KnobSlider({
  name,
  label,
  testId,
}: {
  name: NumberKnobName;
  label: string;
  testId: string;
}) {
  const knob = KNOBS[name];
  const value = useStudio((state) => state.config[name]);
  const applied = useStudio((state) => (state.jobConfig ? state.jobConfig[name] : null));
  const log = 'log' in knob && knob.log === true;
  const toPosition = (v: number) =>
    log
      ? (Math.log10(v / knob.min) / Math.log10(knob.max / knob.min)) * STEPS
      : ((v - knob.min) / (knob.max - knob.min)) * STEPS;
  const fromPosition = (p: number) => {
    const raw = log
      ? knob.min * (knob.max / knob.min) ** (p / STEPS)
      : knob.min + ((knob.max - knob.min) * p) / STEPS;
    return Number(raw.toPrecision(3));
  };
  const pending = applied !== null && applied !== value;
  return (
    <label className="knob" title={knob.help}>
      <span className="knob-label">
        {label} <output>{format(value)}</output>
        {/* a dot, not a phrase: the label must not change size while the user aims at a control */}
        <span
          className="pending"
          data-testid={`${testId}-pending`}
          title="sending to the running job"
          hidden={!pending}
        >
          •
        </span>
      </span>
      <input
        type="range"
        data-testid={testId}
        min={0}
        max={STEPS}
        step={1}
        value={Math.round(toPosition(value))}
        aria-valuetext={format(value)}
        onChange={(event) => studioActions.setKnob(name, fromPosition(Number(event.target.value)))}
      />
      {/* help as a tooltip and for screen readers: revealing it on focus would move the controls */}
      <span className="visually-hidden">{knob.help}</span>
    </label>
  );
}
