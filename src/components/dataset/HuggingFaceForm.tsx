import { useState } from 'react';
import { studioActions } from '../../bridge/bridge';
import type { Cifar100Labels } from '../../protocol';

const HUB = 'https://huggingface.co/datasets';
const HUGGING_FACE_URLS = {
  cifar10: {
    train: `${HUB}/uoft-cs/cifar10/resolve/main/plain_text/train-00000-of-00001.parquet`,
    test: `${HUB}/uoft-cs/cifar10/resolve/main/plain_text/test-00000-of-00001.parquet`,
  },
  cifar100: {
    train: `${HUB}/uoft-cs/cifar100/resolve/main/cifar100/train-00000-of-00001.parquet`,
    test: `${HUB}/uoft-cs/cifar100/resolve/main/cifar100/test-00000-of-00001.parquet`,
  },
} as const;

/** One click: download the dataset's parquet files (configurable URLs), decode, cache. */
export function HuggingFaceForm({
  kind,
  labels,
}: {
  kind: 'cifar10' | 'cifar100';
  labels: Cifar100Labels;
}) {
  const [trainUrl, setTrainUrl] = useState<string>(HUGGING_FACE_URLS[kind].train);
  const [testUrl, setTestUrl] = useState<string>(HUGGING_FACE_URLS[kind].test);
  const title = kind === 'cifar10' ? 'CIFAR-10' : 'CIFAR-100';
  return (
    <div className="hf-form">
      <button
        type="button"
        data-testid="get-huggingface"
        onClick={() =>
          studioActions.loadDataset({
            kind: 'huggingface',
            dataset: kind,
            trainUrl,
            testUrl,
            cifar100Labels: labels,
          })
        }
      >
        Get {title}
      </button>{' '}
      <span className="muted small">
        from Hugging Face (about {kind === 'cifar10' ? 144 : 160} MB, cached afterwards)
      </span>
      <details>
        <summary className="small">
          Parquet URLs (a mirror or a local copy works the same way)
        </summary>
        <UrlField label="train" testId="hf-train-url" value={trainUrl} onChange={setTrainUrl} />
        <br />
        <UrlField label="test" testId="hf-test-url" value={testUrl} onChange={setTestUrl} />
      </details>
    </div>
  );
}

function UrlField(props: {
  label: string;
  testId: string;
  value: string;
  onChange: (url: string) => void;
}) {
  return (
    <label className="small">
      {props.label}{' '}
      <input
        data-testid={props.testId}
        type="text"
        size={50}
        value={props.value}
        onChange={(event) => props.onChange(event.target.value)}
      />
    </label>
  );
}
