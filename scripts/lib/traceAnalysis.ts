// Where a main-thread task's time went, from a Chromium performance trace (tasks and their
// nested events) and a V8 CPU profile (which functions ran). Pure functions over the parsed JSON.

/** One event of Chromium's trace format (complete "X", begin "B", end "E", metadata "M"). */
export interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: { name?: string; data?: Record<string, unknown> };
}

/** V8's CPU profile as the DevTools protocol's Profiler.stop returns it (times in µs). */
export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    children?: number[];
  }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export type Part = 'script' | 'style' | 'layout' | 'paint' | 'gc' | 'other';

export interface TaskBreakdown {
  startUs: number;
  endUs: number;
  ms: number;
  /** self time per kind of work, ms */
  parts: Record<Part, number>;
  /** the task's first event that says why it ran (a timer, a message, an animation frame...) */
  entry: string;
}

const PARTS: [Part, RegExp][] = [
  ['gc', /^(MinorGC|MajorGC|V8\.GC|BlinkGC|GCEvent|ThreadState::)/],
  ['style', /^(UpdateLayoutTree|RecalculateStyles|ParseAuthorStyleSheet|InvalidateLayout)/],
  ['layout', /^(Layout|HitTest|LocalFrameView::|IntersectionObserverController)/],
  ['paint', /^(PrePaint|Paint|Layerize|UpdateLayer|CompositeLayers|Commit|UpdateLayerTree)/],
  [
    'script',
    /^(FunctionCall|EvaluateScript|TimerFire|FireAnimationFrame|EventDispatch|RunMicrotasks|v8\.|V8\.|HandlePostMessage|FireIdleCallback|v8\.callFunction|XHR)/,
  ],
];

const ENTRIES =
  /^(TimerFire|HandlePostMessage|FireAnimationFrame|EventDispatch|FireIdleCallback|FunctionCall|ParseHTML|RunMicrotasks)$/;

function partOf(name: string): Part | null {
  for (const [part, pattern] of PARTS) if (pattern.test(name)) return part;
  return null;
}

const isTask = (name: string) => name === 'ThreadControllerImpl::RunTask' || name === 'RunTask';

/** The page's main thread: the renderer main thread with the most traced time. */
function mainThread(events: readonly TraceEvent[]): { pid: number; tid: number } | null {
  const mains = events.filter(
    (e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain',
  );
  let best: { pid: number; tid: number } | null = null;
  let bestTime = -1;
  for (const m of mains) {
    const time = events
      .filter((e) => e.pid === m.pid && e.tid === m.tid && e.ph === 'X' && isTask(e.name))
      .reduce((sum, e) => sum + (e.dur ?? 0), 0);
    if (time > bestTime) {
      best = { pid: m.pid, tid: m.tid };
      bestTime = time;
    }
  }
  return best;
}

/** Complete events of one thread, with begin/end pairs made complete. */
function completeEvents(events: readonly TraceEvent[], pid: number, tid: number): TraceEvent[] {
  const ours = events.filter((e) => e.pid === pid && e.tid === tid);
  const open: TraceEvent[] = [];
  const complete: TraceEvent[] = [];
  for (const e of [...ours].sort((a, b) => a.ts - b.ts)) {
    if (e.ph === 'X' && e.dur !== undefined) complete.push(e);
    else if (e.ph === 'B') open.push(e);
    else if (e.ph === 'E') {
      const begun = open.pop();
      if (begun) complete.push({ ...begun, ph: 'X', dur: e.ts - begun.ts });
    }
  }
  // parents before children: earlier start first, and the longer of two that start together
  return complete.sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
}

/** Every main-thread task longer than `thresholdMs`, with its time split by kind of work. */
export function longTaskBreakdowns(
  events: readonly TraceEvent[],
  thresholdMs: number,
): TaskBreakdown[] {
  const thread = mainThread(events);
  if (!thread) return [];
  const all = completeEvents(events, thread.pid, thread.tid);
  const breakdowns: TaskBreakdown[] = [];
  let coveredUntil = -Infinity;
  for (let i = 0; i < all.length; i++) {
    const task = all[i];
    if (!isTask(task.name) || task.ts < coveredUntil) continue;
    const end = task.ts + (task.dur ?? 0);
    coveredUntil = end;
    if ((task.dur ?? 0) < thresholdMs * 1000) continue;
    const inside: TraceEvent[] = [];
    for (let j = i + 1; j < all.length && all[j].ts < end; j++) inside.push(all[j]);
    breakdowns.push(breakdown(task, inside));
  }
  return breakdowns;
}

function breakdown(task: TraceEvent, inside: readonly TraceEvent[]): TaskBreakdown {
  const parts: Record<Part, number> = { script: 0, style: 0, layout: 0, paint: 0, gc: 0, other: 0 };
  type Frame = { end: number; part: Part | null; self: number };
  const root: Frame = { end: task.ts + (task.dur ?? 0), part: null, self: task.dur ?? 0 };
  const stack: Frame[] = [root];
  const close = (frame: Frame) => {
    const inherited = [...stack].reverse().find((f) => f.part !== null)?.part ?? 'other';
    parts[frame.part ?? inherited] += frame.self / 1000;
  };
  let entry = '';
  for (const e of inside) {
    while (stack.length > 1 && e.ts >= stack[stack.length - 1].end) close(stack.pop()!);
    const parent = stack[stack.length - 1];
    const dur = Math.min(e.dur ?? 0, parent.end - e.ts);
    parent.self -= dur;
    if (!entry && ENTRIES.test(e.name)) entry = e.name;
    stack.push({ end: e.ts + dur, part: partOf(e.name), self: dur });
  }
  while (stack.length > 0) close(stack.pop()!);
  return { startUs: task.ts, endUs: root.end, ms: (task.dur ?? 0) / 1000, parts, entry };
}

/** What a profiled function belongs to: a package (from its source path) or a project file. */
export type SourceOf = (url: string, line: number, column: number) => string | null;

/**
 * Self time of the profile's samples between `startUs` and `endUs`, grouped by the source of
 * each sample's innermost frame (`sourceOf`, e.g. a source map; else the function's URL), longest
 * first. V8's own entries keep their names: (garbage collector), (program).
 */
export function scriptSelfTimes(
  profile: CpuProfile,
  startUs: number,
  endUs: number,
  sourceOf: SourceOf = (url) => url || null,
): { group: string; ms: number }[] {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  let time = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    time += profile.timeDeltas[i];
    const next = i + 1 < profile.timeDeltas.length ? profile.timeDeltas[i + 1] : 0;
    if (time < startUs || time >= endUs) continue;
    const frame = nodes.get(profile.samples[i])?.callFrame;
    if (!frame || frame.functionName === '(idle)') continue;
    const group =
      sourceOf(frame.url, frame.lineNumber, frame.columnNumber) ??
      (frame.functionName || '(anonymous)');
    totals.set(group, (totals.get(group) ?? 0) + next / 1000);
  }
  return [...totals.entries()].map(([group, ms]) => ({ group, ms })).sort((a, b) => b.ms - a.ms);
}

/** A source path as the package it comes from (`recharts`, `react-dom`) or its project file. */
export function packageOf(source: string): string {
  const modules = source.lastIndexOf('node_modules/');
  if (modules < 0) return source.replace(/^(\.\.\/)+/, '');
  const rest = source.slice(modules + 'node_modules/'.length).split('/');
  return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
}

/** V8's sampling heap profile as HeapProfiler.stopSampling returns it (sizes in bytes). */
export interface SamplingHeapProfile {
  head: SamplingHeapNode;
}
interface SamplingHeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  selfSize: number;
  children: SamplingHeapNode[];
}

/**
 * Bytes allocated, by the source of the allocating frame (`sourceOf`, else the function's name),
 * most first. The innermost frame inside a known source is credited, so an allocation made by a
 * built-in (`Array.prototype.map`) counts for the code that called it.
 */
export function allocationsBySource(
  profile: SamplingHeapProfile,
  sourceOf: SourceOf = (url) => url || null,
): { group: string; bytes: number }[] {
  const totals = new Map<string, number>();
  const visit = (node: SamplingHeapNode, credited: string) => {
    const frame = node.callFrame;
    const own = frame.url
      ? (sourceOf(frame.url, frame.lineNumber, frame.columnNumber) ?? frame.url)
      : null;
    const group = own ?? (credited || frame.functionName || '(anonymous)');
    if (node.selfSize > 0) totals.set(group, (totals.get(group) ?? 0) + node.selfSize);
    for (const child of node.children) visit(child, group);
  };
  for (const child of profile.head.children) visit(child, '');
  return [...totals.entries()]
    .map(([group, bytes]) => ({ group, bytes }))
    .sort((a, b) => b.bytes - a.bytes);
}

/** The main thread's garbage collections in a trace: kind, pause and heap before and after. */
export function mainThreadCollections(
  events: readonly TraceEvent[],
): { kind: 'major' | 'minor'; ms: number; usedBeforeMB: number; usedAfterMB: number }[] {
  const thread = mainThread(events);
  if (!thread) return [];
  return completeEvents(events, thread.pid, thread.tid)
    .filter((e) => e.name === 'MajorGC' || e.name === 'MinorGC')
    .map((e) => {
      const args = (e.args ?? {}) as Record<string, unknown>;
      const heap = (key: string) => (Number(args[key]) || 0) / 2 ** 20;
      return {
        kind: e.name === 'MajorGC' ? ('major' as const) : ('minor' as const),
        ms: (e.dur ?? 0) / 1000,
        usedBeforeMB: heap('usedHeapSizeBefore'),
        usedAfterMB: heap('usedHeapSizeAfter'),
      };
    });
}
