import { latestTest as latestOf, useStudio } from '../store/store';
import { testAccuracyDetail } from './charts/accuracyText';

const percent = (value: number) => `${(100 * value).toFixed(1)}%`;

/** Median step time of the last steps: an epoch's short last batch would read as a burst. */
function recentStepMs(steps: readonly { stepMs: number }[]): number {
  const recent = steps
    .slice(-21)
    .map((point) => point.stepMs)
    .filter((ms) => ms > 0)
    .sort((a, b) => a - b);
  return recent.length ? recent[recent.length >> 1] : 0;
}

/** The numbers a class looks at: size and compute kept, accuracy, speed, position in the run. */
export function RunSummary() {
  const last = useStudio((state) => state.steps.at(-1));
  const lastEpoch = useStudio((state) => state.epochs.at(-1));
  const lastEvaluation = useStudio((state) => state.evaluations.main.at(-1));
  const latestTest = latestOf(lastEpoch, lastEvaluation);
  const baselineEpoch = useStudio((state) => state.baselineEpochs.at(-1));
  const size = useStudio((state) => state.size);
  // an opened run log trained elsewhere: its speed was measured there
  const backend = useStudio((state) => state.runLogView?.device ?? state.backend);
  const step = useStudio((state) => state.step);
  const epoch = useStudio((state) => state.epoch);
  const jobConfig = useStudio((state) => state.jobConfig);
  const stepMs = useStudio((state) => recentStepMs(state.steps));
  const imagesPerSecond = stepMs > 0 && jobConfig ? (1000 * jobConfig.batchSize) / stepMs : null;
  return (
    <section className="panel summary-card" aria-label="Run summary">
      <dl className="summary-grid" data-testid="compression-summary">
        <dt>params kept</dt>
        <dd className="big" data-testid="params-kept">
          {size === null ? '100.0%' : percent(size.paramsKept)}
          {size && (
            <span className="muted small" data-testid="size-detail">
              {' '}
              (as U, s, V {percent(size.factorisedParamsKept)}; rank {percent(size.rankKept)})
            </span>
          )}
        </dd>
        <dt>MACs kept</dt>
        <dd className="big">{size === null ? '100.0%' : percent(size.macsKept)}</dd>
        <dt>test accuracy</dt>
        <dd className="big">
          <span data-testid="test-accuracy">{latestTest ? percent(latestTest.accuracy) : '–'}</span>
          {latestTest && (
            <span className="muted small" data-testid="test-accuracy-detail">
              {' '}
              ({testAccuracyDetail(latestTest)})
            </span>
          )}
          {baselineEpoch && (
            <span className="muted small"> (dense {percent(baselineEpoch.testAccuracy)})</span>
          )}
        </dd>
        <dt>loss (CE / orth / rank)</dt>
        <dd>
          {last
            ? `${last.crossEntropy.toFixed(3)} / ${last.orth.toExponential(1)} / ${last.rank.toFixed(3)}`
            : '–'}
        </dd>
        <dt>speed</dt>
        <dd>
          {imagesPerSecond
            ? `${imagesPerSecond.toFixed(1)} images/s on ${backend}`
            : (backend ?? '–')}
        </dd>
        <dt>epoch · step</dt>
        <dd>
          {epoch} / {jobConfig?.epochs ?? '–'} · {step}
        </dd>
      </dl>
    </section>
  );
}
