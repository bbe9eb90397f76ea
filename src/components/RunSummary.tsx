import { useStudio } from '../store/store';

const percent = (value: number) => `${(100 * value).toFixed(1)}%`;

/** Latest numbers of the job: losses, accuracies, params kept. */
export function RunSummary() {
  const last = useStudio((state) => state.steps.at(-1));
  const lastEpoch = useStudio((state) => state.epochs.at(-1));
  const paramsKept = useStudio((state) => state.paramsKept);
  if (!last && !lastEpoch) return null;
  return (
    <section className="panel" aria-label="Run summary">
      <dl className="summary-grid" data-testid="compression-summary">
        {last && (
          <>
            <dt>loss (CE / orth / rank)</dt>
            <dd>
              {last.crossEntropy.toFixed(3)} / {last.orth.toExponential(1)} / {last.rank.toFixed(3)}
            </dd>
            <dt>train accuracy</dt>
            <dd>{percent(last.trainAccuracy)}</dd>
            <dt>step time</dt>
            <dd>{last.stepMs.toFixed(0)} ms</dd>
          </>
        )}
        {lastEpoch && (
          <>
            <dt>test accuracy</dt>
            <dd data-testid="test-accuracy">{percent(lastEpoch.testAccuracy)}</dd>
          </>
        )}
        {paramsKept !== null && (
          <>
            <dt>params kept</dt>
            <dd>{percent(paramsKept)}</dd>
          </>
        )}
      </dl>
    </section>
  );
}
