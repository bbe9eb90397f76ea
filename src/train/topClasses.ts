// The most probable classes of one prediction, best first, for Try it's bars. TF.js-free.
import type { ClassGuess } from '../protocol';

/** Classes Try it shows per model. */
export const TOP_CLASSES = 3;

/**
 * The `count` most probable classes; ties go to the lower class index, and a value that is not
 * a number (a diverged network) ranks last.
 */
export function topClasses(
  probabilities: ArrayLike<number>,
  classNames: readonly string[],
  count = TOP_CLASSES,
): ClassGuess[] {
  const rankOf = (p: number) => (Number.isFinite(p) ? p : -Infinity);
  return Array.from(probabilities, (probability, label) => ({
    label,
    name: classNames[label] ?? `class ${label}`,
    probability,
  }))
    .sort((a, b) => rankOf(b.probability) - rankOf(a.probability) || a.label - b.label)
    .slice(0, count);
}
