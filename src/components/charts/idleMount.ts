// Mounting a Recharts frame costs 30-60 ms of the main thread on a two-core machine whose cores
// train; four charts mounting as a job starts made the run's only tasks over 100 ms. So frames
// mount before any job, one per idle period, and a job's first reports only update them.
import { useEffect, useState } from 'react';

/** The longest a frame waits for an idle period before it mounts anyway. */
const IDLE_TIMEOUT_MS = 400;

type Mount = () => void;
const waiting: Mount[] = [];
let scheduled = false;

const whenIdle: (run: () => void) => void =
  typeof requestIdleCallback === 'function'
    ? (run) => requestIdleCallback(run, { timeout: IDLE_TIMEOUT_MS })
    : (run) => setTimeout(run, 0);

function mountNext() {
  scheduled = false;
  waiting.shift()?.();
  if (waiting.length > 0) schedule();
}

function schedule() {
  if (scheduled) return;
  scheduled = true;
  whenIdle(mountNext);
}

/** Queues `mount` behind the frames already waiting; returns a cancel for an unmount. */
export function queueMount(mount: Mount): () => void {
  waiting.push(mount);
  schedule();
  return () => {
    const at = waiting.indexOf(mount);
    if (at >= 0) waiting.splice(at, 1);
  };
}

/** False until this component's turn in the idle queue has come, then true for good. */
export function useIdleMount(): boolean {
  const [mounted, setMounted] = useState(false);
  useEffect(() => queueMount(() => setMounted(true)), []);
  return mounted;
}
