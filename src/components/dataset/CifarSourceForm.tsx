import { useState, type DragEvent } from 'react';
import { studioActions } from '../../bridge/bridge';
import { HuggingFaceForm } from './HuggingFaceForm';
import type { Cifar100Labels } from '../../protocol';

const DEFAULT_URLS = {
  cifar10: 'data/cifar-10-binary.tar.gz',
  cifar100: 'data/cifar-100-binary.tar.gz',
} as const;

/** File picker, drop zone and URL field for the official CIFAR binary archives. */
export function CifarSourceForm({ kind }: { kind: 'cifar10' | 'cifar100' }) {
  const [url, setUrl] = useState<string>(DEFAULT_URLS[kind]);
  const [labels, setLabels] = useState<Cifar100Labels>('fine');
  const [dragging, setDragging] = useState(false);
  const loadFiles = (files: FileList | null) => {
    if (files && files.length > 0) {
      studioActions.loadDataset({ kind: 'files', files: [...files], cifar100Labels: labels });
    }
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    loadFiles(event.dataTransfer.files);
  };
  return (
    <div className="cifar-form">
      <HuggingFaceForm key={kind} kind={kind} labels={labels} />
      <div
        className={dragging ? 'drop-zone dragging' : 'drop-zone'}
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <p>
          Drop{' '}
          <code>{kind === 'cifar10' ? 'cifar-10-binary.tar.gz' : 'cifar-100-binary.tar.gz'}</code>{' '}
          (or its .tar, or the .bin files) here, or{' '}
          <label className="file-label">
            choose files
            <input
              data-testid="dataset-file"
              type="file"
              multiple
              accept=".gz,.tgz,.tar,.bin,.txt"
              onChange={(event) => loadFiles(event.target.files)}
            />
          </label>
          .
        </p>
      </div>
      <form
        className="url-row"
        onSubmit={(event) => {
          event.preventDefault();
          studioActions.loadDataset({ kind: 'url', url, cifar100Labels: labels });
        }}
      >
        <label>
          or from a URL{' '}
          <input
            data-testid="dataset-url"
            type="text"
            value={url}
            size={40}
            onChange={(event) => setUrl(event.target.value)}
          />
        </label>
        <button type="submit" data-testid="dataset-url-load">
          Load
        </button>
      </form>
      <p className="muted small">
        <code>npm run fetch:{kind}</code> puts the official archive in <code>public/data/</code>,
        which the default URL reads.
      </p>
      {kind === 'cifar100' && (
        <fieldset className="inline">
          <legend>Labels</legend>
          {(['fine', 'coarse'] as const).map((value) => (
            <label key={value}>
              <input
                type="radio"
                name="cifar100-labels"
                checked={labels === value}
                onChange={() => setLabels(value)}
              />{' '}
              {value === 'fine' ? '100 fine' : '20 coarse'}
            </label>
          ))}
        </fieldset>
      )}
    </div>
  );
}
