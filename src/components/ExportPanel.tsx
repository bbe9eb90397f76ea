import { studioActions } from '../bridge/bridge';
import { useStudio } from '../store/store';
import { RecipeExport } from './runlog/RecipeExport';

const thousands = (n: number) => n.toLocaleString('en-US');

/** Download the compressed model (a standard TF.js LayersModel), save or load checkpoints. */
export function ExportPanel() {
  const runState = useStudio((state) => state.runState);
  const exporting = useStudio((state) => state.exporting);
  const report = useStudio((state) => state.exportReport);
  const timing = useStudio((state) => state.inferenceTiming);
  const datasetReady = useStudio((state) => state.dataset !== null);
  const jobExists = runState !== 'idle';
  return (
    <section className="panel" aria-labelledby="export-heading" data-tour="export-panel">
      <h2 id="export-heading">Export</h2>
      <div className="row">
        <button
          type="button"
          data-testid="download-model"
          disabled={!jobExists || exporting !== null}
          onClick={studioActions.exportModel}
        >
          {exporting === 'model' ? 'Exporting…' : 'Download compressed model'}
        </button>
        <button
          type="button"
          disabled={!jobExists || exporting !== null}
          onClick={studioActions.saveCheckpoint}
        >
          Save checkpoint
        </button>
        <label className="file-label">
          Load checkpoint
          <input
            type="file"
            data-testid="checkpoint-file"
            accept=".lrckpt"
            disabled={!datasetReady || runState === 'running'}
            onChange={(event) => {
              const file = event.target.files?.[0];
              if (file) void studioActions.loadCheckpoint(file);
              event.target.value = '';
            }}
          />
        </label>
      </div>
      <p className="muted small">
        The zip holds <code>model.json</code>, <code>model.weights.bin</code>,{' '}
        <code>report.json</code> and <code>labels.json</code> (class names, input size): load it
        anywhere with <code>tf.loadLayersModel('model.json')</code>; it takes images [N, H, W, 3]
        scaled to [0, 1], and normalises them itself. Try it (below) loads it back.
      </p>
      {report && (
        <div data-testid="export-report" className="small">
          Exported at step {report.step}: {thousands(report.params.exported)} params (
          {report.paramsKeptPercent.toFixed(1)}% of the dense {thousands(report.params.dense)}),{' '}
          {report.macsKeptPercent.toFixed(1)}% of the MACs, test accuracy{' '}
          {(100 * report.testAccuracy).toFixed(1)}%.
          {timing ? (
            <div data-testid="inference-timing">
              Inference on {timing.backend}, batch {timing.batchSize}:{' '}
              {timing.exportedMs.toFixed(1)} ms vs {timing.denseMs.toFixed(1)} ms dense:{' '}
              <strong>
                {timing.speedup >= 1
                  ? `${timing.speedup.toFixed(2)}× faster`
                  : `${(1 / timing.speedup).toFixed(2)}× slower`}
              </strong>{' '}
              (MACs ratio {timing.macsRatio.toFixed(2)}×).
            </div>
          ) : (
            <div className="muted">Timing inference against the dense model…</div>
          )}
        </div>
      )}
      <RecipeExport />
    </section>
  );
}
