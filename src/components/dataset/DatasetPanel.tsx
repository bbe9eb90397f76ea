import { useState } from 'react';
import { studioActions } from '../../bridge/bridge';
import { BUILTIN_DEFAULTS } from '../../data/builtin';
import { CifarSourceForm } from './CifarSourceForm';
import { DatasetCacheList } from './DatasetCacheList';
import { DatasetProgressBar } from './DatasetProgressBar';
import { DatasetSummaryCard } from './DatasetSummaryCard';

type Choice = 'builtin' | 'cifar10' | 'cifar100';

/** Where the training images come from: the built-in set, or CIFAR-10/100 archives. */
export function DatasetPanel() {
  const [choice, setChoice] = useState<Choice>('builtin');
  const choose = (next: Choice) => {
    setChoice(next);
    if (next === 'builtin') studioActions.loadDataset({ kind: 'builtin', ...BUILTIN_DEFAULTS });
  };
  return (
    <section className="panel" aria-labelledby="dataset-heading">
      <h2 id="dataset-heading">Dataset</h2>
      <label>
        Source{' '}
        <select
          data-testid="dataset-select"
          value={choice}
          onChange={(event) => choose(event.target.value as Choice)}
        >
          <option value="builtin">Built-in shapes (offline)</option>
          <option value="cifar10">CIFAR-10 (archive)</option>
          <option value="cifar100">CIFAR-100 (archive)</option>
        </select>
      </label>
      {choice !== 'builtin' && <CifarSourceForm kind={choice} />}
      <DatasetProgressBar />
      <DatasetSummaryCard />
      <DatasetCacheList />
    </section>
  );
}
