// The loss chart's data: the regulariser terms as a log scale can draw them (no zeros), and the
// text alternative a screen reader gets instead of the drawing.
import type { StepPoint } from '../../store/store';

type LossPoint = Pick<StepPoint, 'step' | 'crossEntropy' | 'orth' | 'rank'>;

/** Orthogonality and rank terms per step; zero or non-finite values are gaps, not points. */
export function regulariserPoints(
  steps: readonly LossPoint[],
): { step: number; orth: number | null; rank: number | null }[] {
  const positive = (value: number) => (value > 0 && Number.isFinite(value) ? value : null);
  return steps.map((p) => ({ step: p.step, orth: positive(p.orth), rank: positive(p.rank) }));
}

/**
 * The log axis's range: the data's, but never more than six decades below its top, so float
 * noise (an orthogonality term of 1e-14 at initialisation) cannot squash the curves.
 */
export function logDomain(
  points: readonly { orth: number | null; rank: number | null }[],
): [number, number] {
  const values = points.flatMap((p) => [p.orth, p.rank]).filter((v): v is number => v !== null);
  if (values.length === 0) return [1e-3, 1];
  const top = Math.max(...values);
  const bottom = Math.max(Math.min(...values), top * 1e-6);
  return [10 ** Math.floor(Math.log10(bottom)), 10 ** Math.ceil(Math.log10(top))];
}

export function lossSummary(last?: LossPoint, baseline?: LossPoint): string {
  if (!last) return 'Loss: no steps yet.';
  const dense = baseline ? `; dense baseline ${baseline.crossEntropy.toFixed(3)}` : '';
  return `Loss at step ${last.step}: cross-entropy ${last.crossEntropy.toFixed(3)}${dense}; orthogonality term ${last.orth.toExponential(1)}; rank term ${last.rank.toFixed(3)}.`;
}
