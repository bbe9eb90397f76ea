import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { startWorker } from './bridge/bridge';
import { BACKENDS, type BackendName } from './protocol';
import './styles.css';

const requested = new URLSearchParams(location.search).get('backend');
startWorker(BACKENDS.includes(requested as BackendName) ? (requested as BackendName) : undefined);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
