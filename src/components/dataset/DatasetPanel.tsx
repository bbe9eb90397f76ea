import { useState } from 'react';
import { studioActions } from '../../bridge/bridge';
import { BUILTIN_DEFAULTS } from '../../data/builtin';
import { useStudio } from '../../store/store';
import { CifarSourceForm } from './CifarSourceForm';
import { DatasetCacheList } from './DatasetCacheList';
import { DatasetProgressBar } from './DatasetProgressBar';
import { DatasetSummaryCard } from './DatasetSummaryCard';
import { ImageFolderForm } from './ImageFolderForm';

type Choice = 'builtin' | 'cifar10' | 'cifar100' | 'folder';

/** Where the training images come from: the built-in set, CIFAR-10/100, or your own images. */
export function DatasetPanel() {
  const loadedKind = useStudio((state) => state.dataset?.kind);
  const [choice, setChoice] = useState<Choice>(loadedKind ?? 'builtin');
  // a dataset loaded without this panel (last visit's, a resumed run's) shows as the choice
  const [shownKind, setShownKind] = useState(loadedKind);
  if (loadedKind !== shownKind) {
    setShownKind(loadedKind);
    if (loadedKind) setChoice(loadedKind);
  }
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
          <option value="folder">Your images (a folder per class)</option>
        </select>
      </label>
      {(choice === 'cifar10' || choice === 'cifar100') && <CifarSourceForm kind={choice} />}
      {choice === 'folder' && <ImageFolderForm />}
      <DatasetProgressBar />
      <DatasetSummaryCard />
      <DatasetCacheList />
    </section>
  );
}
