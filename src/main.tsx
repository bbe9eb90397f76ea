import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { registerOffline } from './offline/registerOffline';
import { startWorker } from './bridge/bridge';
import { runActions } from './bridge/runActions';
import { readUrlState, writeUrlState } from './bridge/urlState';
import { useStudio } from './store/store';
import './styles.css';
import { shareMediaQueryLists } from './components/charts/mediaQueries';

shareMediaQueryLists();

const initial = readUrlState(location.search);
const store = useStudio.getState();
store.setPreset(initial.preset, initial.config);
store.setLimits(initial.limits);
if (initial.problems.length)
  store.setWarning(`Ignored in the address: ${initial.problems.join('; ')}`);

// Keep the address in step with the settings, so a copied link reproduces the setup.
useStudio.subscribe((state, previous) => {
  if (state.config === previous.config && state.limits === previous.limits) return;
  const { preset, config, limits } = state;
  const search = writeUrlState({
    preset,
    config,
    limits,
    backend: initial.backend,
    threads: initial.threads,
  });
  history.replaceState(null, '', `${location.pathname}${search}`);
});

// a first visit may reload at once to become cross-origin isolated: start nothing before it
if (!registerOffline()) {
  startWorker(initial.backend, initial.threads);
  void runActions.load();
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
