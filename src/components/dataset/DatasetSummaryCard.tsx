import { folderNotice, type FolderInfo } from '../../data/folderInfo';
import { useStudio } from '../../store/store';

/** Where an image-folder set's test images came from, and what was left out. */
function FolderDetail({ folder }: { folder: FolderInfo }) {
  const { split } = folder;
  const notice = folderNotice(folder);
  return (
    <div className="muted small" data-testid="dataset-folder">
      {split.kind === 'folder'
        ? `Test images: the ${split.folder}/ folder.`
        : `Test images: ${Math.round(100 * split.fraction)}% of each class, drawn with seed ${split.seed}.`}{' '}
      Stored at {folder.side}x{folder.side} px, centre-cropped.
      {notice && <div data-testid="dataset-folder-notice">{notice}.</div>}
    </div>
  );
}

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
      {dataset.folder && <FolderDetail folder={dataset.folder} />}
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
