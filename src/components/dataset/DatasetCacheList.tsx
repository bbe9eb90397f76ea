import { studioActions } from '../../bridge/bridge';
import { useStudio } from '../../store/store';

/** Datasets kept in the browser (IndexedDB), their size, and a button to forget them. */
export function DatasetCacheList() {
  const entries = useStudio((state) => state.datasetCache);
  if (entries.length === 0) return null;
  const totalMegabytes = entries.reduce((sum, entry) => sum + entry.bytes, 0) / 1e6;
  return (
    <div className="cache-list" data-testid="dataset-cache">
      <span>
        Cached in this browser: {entries.map((entry) => entry.name).join(', ')} (
        {totalMegabytes.toFixed(1)} MB)
      </span>{' '}
      <button type="button" onClick={() => studioActions.clearDatasetCache()}>
        Clear cache
      </button>
    </div>
  );
}
