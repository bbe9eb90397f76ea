// Shows a run log (src/runLog.ts) in the live charts: the whole run at once, any step of it, or a
// replay from the start, through the same store updates a running job makes. The log stays here,
// on the page; the worker and its job are not involved.
import { decodeRunLog, historyBetween, type RunLog } from '../runLog';
import { useStudio, type RunLogView } from '../store/store';
import { replay } from './bridge';
import { runActions } from './runActions';

/** A replay shows the whole run in about this long, whatever its length. */
export const REPLAY_MS = 20_000;
const REPLAY_TICK_MS = 100;

let log: RunLog | null = null;
let replayTimer: ReturnType<typeof setInterval> | null = null;

function stopReplay(): void {
  if (replayTimer !== null) clearInterval(replayTimer);
  replayTimer = null;
  useStudio.getState().updateRunLogView({ replaying: false });
}

/** Draws the log's steps after `from` up to `to` on top of what the charts show. */
function drawBetween(from: number, to: number): void {
  if (!log) return;
  replay(historyBetween(log.history, from, to));
  const store = useStudio.getState();
  const epoch = Math.floor(to / Math.max(1, store.stepsPerEpoch));
  store.setRunState({ state: store.runState, step: to, epoch });
  store.updateRunLogView({ shownStep: to });
}

function drawUpTo(step: number): void {
  useStudio.getState().clearMetrics();
  drawBetween(-Infinity, step);
}

function describe(decoded: RunLog): Pick<RunLogView, 'source' | 'device' | 'recipe'> {
  const { producer, world, config: c, dataset } = decoded.header;
  const size =
    c.mode === 'dense'
      ? ''
      : c.targetParamsKept
        ? `, target ${c.targetParamsKept}%`
        : ', threshold rule';
  const evaluated = dataset.validationCount
    ? ` (epochs evaluated on ${dataset.validationCount} held-out validation images)`
    : '';
  const recipe = `${c.architecture} ${c.mode} ×${c.widthMultiplier}, ${c.inputSize} px, ${c.epochs} epochs, batch ${c.batchSize}${size}, on ${dataset.name}${evaluated}`;
  if (!world) return { source: producer, device: producer, recipe };
  const processes = world.processes === 1 ? '1 process' : `${world.processes} processes`;
  return { source: `${producer}, ${processes} on ${world.device}`, device: world.device, recipe };
}

export const runLogActions = {
  /** Opens a log file and shows the whole run; a bad file leaves the page as it was. */
  async open(file: File): Promise<void> {
    let decoded: RunLog;
    try {
      decoded = decodeRunLog(await file.text());
    } catch (error) {
      useStudio.getState().setError({ message: `${file.name}: ${(error as Error).message}` });
      return;
    }
    runLogActions.show(decoded, file.name);
    // an opened log joins the run library too (once: the library knows a file it holds)
    await runActions.importFiles([file], { quiet: true });
  },
  /** Shows a decoded log (a file, or a run from the run library) under `fileName`. */
  show(decoded: RunLog, fileName: string): void {
    const store = useStudio.getState();
    if (replayTimer !== null) clearInterval(replayTimer);
    replayTimer = null;
    log = decoded;
    store.setError(null);
    const { config, stepsPerEpoch } = decoded.header;
    store.openRunLogView(
      {
        fileName,
        ...describe(decoded),
        lastStep: decoded.lastStep,
        shownStep: 0,
        replaying: false,
      },
      config,
      stepsPerEpoch,
    );
    drawUpTo(decoded.lastStep);
  },
  /** Shows the run as it stood at `step`. */
  showStep(step: number): void {
    stopReplay();
    drawUpTo(step);
  },
  /** Replays the run from its start (or goes on from where a paused replay stopped). */
  replay(): void {
    const view = useStudio.getState().runLogView;
    if (!log || !view) return;
    if (view.shownStep >= view.lastStep) drawUpTo(0);
    const stride = Math.max(1, Math.ceil((view.lastStep * REPLAY_TICK_MS) / REPLAY_MS));
    useStudio.getState().updateRunLogView({ replaying: true });
    replayTimer = setInterval(() => {
      const current = useStudio.getState().runLogView;
      // closed, or replaced by a job: the replay ends with it
      if (!current || !log) return stopReplay();
      const next = Math.min(current.lastStep, current.shownStep + stride);
      drawBetween(current.shownStep, next);
      if (next >= current.lastStep) stopReplay();
    }, REPLAY_TICK_MS);
  },
  pauseReplay: stopReplay,
  close(): void {
    if (replayTimer !== null) clearInterval(replayTimer);
    replayTimer = null;
    log = null;
    useStudio.getState().closeRunLogView();
  },
};
