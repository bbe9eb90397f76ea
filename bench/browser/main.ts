// Benchmark page: ?request=<JSON BenchRequest> runs in a worker; the state lands on window.bench.
import type { BenchReply, BenchRequest, BenchState } from './protocol';
import { workerName } from '../../src/worker/threads';

const state: BenchState = { done: false, log: [] };
(window as unknown as { bench: BenchState }).bench = state;
const log = document.getElementById('log')!;
const request = JSON.parse(new URLSearchParams(location.search).get('request') ?? '{}') as BenchRequest;
const worker = new Worker(new URL('./worker.ts', import.meta.url), {
  type: 'module',
  name: workerName(request.threads),
});
worker.onmessage = ({ data }: MessageEvent<BenchReply>) => {
  if (data.type === 'progress') state.log.push(data.message);
  else {
    state.reply = data;
    state.done = true;
  }
  log.textContent = [...state.log, state.done ? 'done' : ''].join('\n');
};
worker.onerror = (event) => {
  state.reply = { type: 'error', message: event.message };
  state.done = true;
};
worker.postMessage(request);
