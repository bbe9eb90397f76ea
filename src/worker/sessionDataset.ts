// The session's dataset: loading it (from its source, or ready-made from the page) with progress
// tagged by load, and what the browser's dataset cache holds. Only a successful load replaces it.
import { datasetWarnings, describeDataset, type ImageDataset } from '../data/dataset';
import type { Command, DatasetSource, WorkerEvent } from '../protocol';
import { cacheKey } from './datasetLoader';
import type { SessionServices } from './sessionServices';

export class SessionDataset {
  dataset: ImageDataset | null = null;
  /** the loaded dataset as a source a resumed run can load again (builtin, or by cache key) */
  source: DatasetSource | null = null;

  /** the load in progress, to cancel */
  private loading: { loadId: number; controller: AbortController } | null = null;

  constructor(
    private readonly services: () => Pick<SessionServices, 'loadDataset' | 'listCache'>,
    private readonly post: (event: WorkerEvent) => void,
  ) {}

  /** Loads the dataset a command names (or takes the one it carries ready-made). */
  async load(command: Extract<Command, { type: 'loadDataset' }>): Promise<void> {
    const { loadId } = command;
    let settled = false;
    const controller = new AbortController();
    this.loading = { loadId, controller };
    const loaded = await (
      command.prepared
        ? Promise.resolve({ dataset: command.prepared, fromCache: false })
        : this.services().loadDataset(
            command.source,
            (phase, loadedBytes, totalBytes) => {
              // a reader may still report after the load failed: say nothing more about it
              if (!settled)
                this.post({ type: 'datasetProgress', loadId, phase, loadedBytes, totalBytes });
            },
            { signal: controller.signal },
          )
    ).catch((error: unknown) => {
      settled = true;
      this.post({
        type: 'error',
        message: error instanceof Error ? error.message : String(error),
        command: command.type,
        loadId,
      });
      return null;
    });
    settled = true;
    this.loading = null;
    // a cancelled load that finished anyway (a reader without a signal) replaces nothing
    if (!loaded || controller.signal.aborted) return;
    // Only a successful load replaces the dataset: a bad file loses nothing.
    this.dataset = loaded.dataset;
    this.source =
      command.source.kind === 'builtin'
        ? command.source
        : { kind: 'cached', key: cacheKey(command.source)!, name: loaded.dataset.name };
    this.post({
      type: 'datasetLoaded',
      loadId,
      summary: { ...describeDataset(loaded.dataset), fromCache: loaded.fromCache },
      source: this.source,
    });
    const warnings = datasetWarnings(loaded.dataset);
    if (warnings.length)
      this.post({ type: 'warning', message: `${loaded.dataset.name}: ${warnings.join('; ')}` });
    await this.postCache();
  }

  /** Stops load `loadId` if it is still going; the dataset loaded before it stays. */
  cancel(loadId: number): void {
    if (this.loading?.loadId === loadId) this.loading.controller.abort();
  }

  /** Tells the page what the dataset cache holds. */
  async postCache(): Promise<void> {
    this.post({
      type: 'datasetCache',
      entries: await this.services()
        .listCache()
        .catch(() => []),
    });
  }
}
