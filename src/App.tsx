import { BackendBadge } from './components/BackendBadge';
import { ErrorBanner } from './components/ErrorBanner';
import { DatasetPanel } from './components/dataset/DatasetPanel';
import { RunControls } from './components/controls/RunControls';
import { RunSummary } from './components/RunSummary';

export function App() {
  return (
    <main className="app">
      <header>
        <h1>Low-rank CNN studio</h1>
        <p className="muted">
          Train factorised ResNets (W = U diag(s) V<sup>T</sup>) and watch dynamic rank pruning
          shrink them while they learn.
        </p>
      </header>
      <ErrorBanner />
      <BackendBadge />
      <DatasetPanel />
      <RunControls />
      <RunSummary />
    </main>
  );
}
