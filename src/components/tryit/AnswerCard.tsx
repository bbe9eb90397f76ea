import type { ClassGuess } from '../../protocol';

const percent = (probability: number) => `${(100 * probability).toFixed(1)}%`;

/** One model's top classes as bars: name, bar, probability. */
export function AnswerCard({
  title,
  guesses,
  testId,
}: {
  title: string;
  guesses: ClassGuess[];
  testId: string;
}) {
  return (
    <figure className="try-answer" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <ol>
        {guesses.map((guess) => (
          <li key={guess.label} data-probability={guess.probability}>
            <span className="try-name" title={guess.name}>
              {guess.name}
            </span>
            <span className="try-bar" aria-hidden="true">
              <span style={{ width: percent(guess.probability) }} />
            </span>
            <span className="try-percent">{percent(guess.probability)}</span>
          </li>
        ))}
      </ol>
    </figure>
  );
}
