import { useStudio } from '../../store/store';

/** What is loaded: name, counts, image size and classes. */
export function DatasetSummaryCard() {
  const dataset = useStudio((state) => state.dataset);
  if (!dataset) return <p className="muted">No dataset loaded yet.</p>;
  const [height, width] = dataset.imageSize;
  return (
    <div className="dataset-summary" data-testid="dataset-summary">
      <strong>{dataset.name}</strong>
      {dataset.fromCache && <span className="tag">from cache</span>}
      <div className="muted">
        {dataset.train.count.toLocaleString()} training and {dataset.test.count.toLocaleString()}{' '}
        test images, {height}x{width}, {dataset.classNames.length} classes
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
