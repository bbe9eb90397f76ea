import { useStudio } from '../../store/store';

/** The loss a run's gate waits for: `gate` below chance, ln(classes). */
const gateLoss = (gate: number, classes: number) => (1 - gate) * Math.log(Math.max(2, classes));

/**
 * A low-rank run whose pruning window ended before its loss gate opened was never pruned: it says
 * so, with the loss it waited for, since a run at 100% would otherwise look like a broken target.
 */
export function PruningWindowBanner() {
  const stage = useStudio((state) => state.epochs.at(-1)?.pruningWindow);
  const gate = useStudio((state) => state.jobConfig?.pruneLossDrop ?? 0);
  const classes = useStudio((state) => state.dataset?.classNames.length ?? 10);
  if (stage !== 'missed') return null;
  return (
    <div className="banner" role="status" data-testid="pruning-missed">
      <p>
        <strong>This run was never pruned.</strong> Its pruning window ended before the smoothed
        train loss fell to {gateLoss(gate, classes).toFixed(2)} ({Math.round(100 * gate)}% below
        chance, ln {classes}): the network had not learned, and cutting it would only have broken
        it, so it keeps its full size. Lower the learning rate or the regulariser weights, or start
        the window later, and train again.
      </p>
    </div>
  );
}
