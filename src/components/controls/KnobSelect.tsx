import { studioActions } from '../../bridge/bridge';
import { KNOBS, type KnobName, type TrainConfig } from '../../config';
import { useStudio } from '../../store/store';

type ChoiceKnobName = {
  [K in KnobName]: (typeof KNOBS)[K] extends { type: 'choice' } ? K : never;
}[KnobName];

/** A menu for one choice knob, its options and their names from the knob table. */
export function KnobSelect({
  name,
  label,
  testId,
  disabled = false,
}: {
  name: ChoiceKnobName;
  label: string;
  testId?: string;
  disabled?: boolean;
}) {
  const knob = KNOBS[name];
  const value = useStudio((state) => state.config[name]);
  const labels: Partial<Record<string, string>> = ('labels' in knob && knob.labels) || {};
  return (
    <label>
      {label}{' '}
      <select
        data-testid={testId}
        value={value}
        disabled={disabled}
        onChange={(event) =>
          studioActions.setKnob(name, event.target.value as TrainConfig[typeof name])
        }
      >
        {knob.choices.map((choice: string) => (
          <option key={choice} value={choice}>
            {labels[choice] ?? choice}
          </option>
        ))}
      </select>
    </label>
  );
}
