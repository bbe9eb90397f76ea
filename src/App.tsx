import { BackendBadge } from './components/BackendBadge';
import { ErrorBanner } from './components/ErrorBanner';
import { PresentationToggle } from './components/PresentationToggle';
import { RunSummary } from './components/RunSummary';
import { AccuracyChart } from './components/charts/AccuracyChart';
import { CompressionChart } from './components/charts/CompressionChart';
import { LossChart } from './components/charts/LossChart';
import { RankChart } from './components/charts/RankChart';
import { SpectrumChart } from './components/charts/SpectrumChart';
import { RunControls } from './components/controls/RunControls';
import { SettingsPanel } from './components/controls/SettingsPanel';
import { CollectPanel } from './components/collect/CollectPanel';
import { DatasetPanel } from './components/dataset/DatasetPanel';
import { ExportPanel } from './components/ExportPanel';
import { DivergenceBanner } from './components/run/DivergenceBanner';
import { PruningWindowBanner } from './components/run/PruningWindowBanner';
import { SavedRunBanner } from './components/run/SavedRunBanner';
import { RunLogPanel } from './components/runlog/RunLogPanel';
import { RunsSection } from './components/runs/RunsSection';
import { SiteNotice } from './components/SiteNotice';
import { GuidedTour, TourButton } from './components/tour/GuidedTour';
import { TryItPanel } from './components/tryit/TryItPanel';
import { useStudio } from './store/store';

export function App() {
  const presentation = useStudio((state) => state.presentation);
  return (
    <main className={presentation ? 'app presentation' : 'app'}>
      <header className="app-header">
        <div>
          <h1>Low-rank CNN studio</h1>
          <p className="muted tagline">
            Train factorised ResNets (W = U diag(s) V<sup>T</sup>) and watch dynamic rank pruning
            shrink them while they learn.
          </p>
        </div>
        <div className="header-side">
          <BackendBadge />
          <TourButton />
          <PresentationToggle />
        </div>
      </header>
      <SiteNotice />
      <ErrorBanner />
      <DivergenceBanner />
      <PruningWindowBanner />
      <SavedRunBanner />
      <GuidedTour />
      <div className="layout">
        <div className="column controls-column">
          <RunControls />
          <RunSummary />
          <SettingsPanel />
          <ExportPanel />
          <TryItPanel />
          <RunLogPanel />
          <DatasetPanel />
          <CollectPanel />
        </div>
        <div className="column charts-column">
          <LossChart />
          <AccuracyChart />
          <SpectrumChart />
          <RankChart />
          <CompressionChart />
        </div>
      </div>
      <RunsSection />
    </main>
  );
}
