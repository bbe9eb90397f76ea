import { useStudio } from '../../store/store';

/** What is loaded (name, counts, image size and classes) and how much of it a run uses. */
export function DatasetSummaryCard() {
  const dataset = useStudio((state) => state.dataset);
  const limits = useStudio((state) => state.limits);
  const inputSize = useStudio((state) => (state.jobConfig ?? state.config).inputSize);
  if (!dataset) return <p className="muted">No dataset loaded yet.</p>;
  const [height, width] = dataset.imageSize;
  const train = Math.min(dataset.train.count, limits.trainLimit ?? Infinity);
  const test = Math.min(dataset.test.count, limits.testLimit ?? Infinity);
  return (
    <div className="dataset-summary" data-testid="dataset-summary">
      <strong>{dataset.name}</strong>
      {dataset.fromCache && <span className="tag">from cache</span>}
      <div className="muted">
        {dataset.train.count.toLocaleString()} training and {dataset.test.count.toLocaleString()}{' '}
        test images, {height}x{width}, {dataset.classNames.length} classes
      </div>
      <div className="muted small" data-testid="dataset-use">
        This run: {train.toLocaleString()} training and {test.toLocaleString()} test images at{' '}
        {inputSize}x{inputSize} px.
      </div>
      <details>
        <summary>Classes</summary>
        <div className="muted small" data-testid="dataset-fingerprint">
          fingerprint train {dataset.fingerprint.train}, test {dataset.fingerprint.test}
        </div>
        <ol start={0} className="class-list">
          {dataset.classNames.map((name, label) => (
            <li key={name}>
              {name} <span className="muted">({dataset.train.histogram[label]} train)</span>
            </li>
          ))}
        </ol>
      </details>
    </div>
  );
}
