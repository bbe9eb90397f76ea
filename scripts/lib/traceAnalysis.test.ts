import { describe, expect, it } from 'vitest';
import {
  allocationsBySource,
  longTaskBreakdowns,
  mainThreadCollections,
  packageOf,
  scriptSelfTimes,
  type CpuProfile,
  type SamplingHeapProfile,
  type TraceEvent,
} from './traceAnalysis';

const main = { pid: 1, tid: 7 };
const x = (name: string, ts: number, dur: number, thread = main): TraceEvent => ({
  name,
  ph: 'X',
  ts,
  dur,
  ...thread,
});
const events: TraceEvent[] = [
  { name: 'thread_name', ph: 'M', ts: 0, ...main, args: { name: 'CrRendererMain' } },
  { name: 'thread_name', ph: 'M', ts: 0, pid: 2, tid: 9, args: { name: 'CrRendererMain' } },
  // a 100 ms timer task: 40 ms script (10 of it GC), 30 ms style and layout, 20 ms paint
  x('ThreadControllerImpl::RunTask', 1000, 100_000),
  x('TimerFire', 1000, 70_000),
  x('FunctionCall', 1000, 40_000),
  x('MinorGC', 5000, 10_000),
  x('UpdateLayoutTree', 41_000, 20_000),
  x('Layout', 61_000, 10_000),
  x('Paint', 71_000, 20_000),
  // a short task, and a long one on another renderer with less traced time
  x('ThreadControllerImpl::RunTask', 200_000, 5_000),
  x('ThreadControllerImpl::RunTask', 0, 60_000, { pid: 2, tid: 9 }),
];

describe('long-task breakdowns', () => {
  it("split each of the page's long tasks by kind of work", () => {
    const [task, ...rest] = longTaskBreakdowns(events, 50);
    expect(rest).toEqual([]);
    expect(task.ms).toBe(100);
    expect(task.entry).toBe('TimerFire');
    expect(task.parts).toEqual({ script: 30, style: 20, layout: 10, paint: 20, gc: 10, other: 10 });
  });

  it('count every task with a threshold of 0', () => {
    expect(longTaskBreakdowns(events, 0).map((t) => t.ms)).toEqual([100, 5]);
  });
});

describe('script self times', () => {
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: 0, columnNumber: 0 } },
      { id: 2, callFrame: { functionName: 'render', url: 'a.js', lineNumber: 0, columnNumber: 5 } },
      {
        id: 3,
        callFrame: { functionName: '(garbage collector)', url: '', lineNumber: 0, columnNumber: 0 },
      },
      { id: 4, callFrame: { functionName: '(idle)', url: '', lineNumber: 0, columnNumber: 0 } },
    ],
    startTime: 0,
    samples: [2, 2, 3, 4, 2],
    timeDeltas: [1000, 1000, 1000, 1000, 1000],
  };
  it('group the samples inside the window by source, idle left out', () => {
    expect(scriptSelfTimes(profile, 0, 10_000, (url) => (url ? `lib:${url}` : null))).toEqual([
      { group: 'lib:a.js', ms: 2 },
      { group: '(garbage collector)', ms: 1 },
    ]);
    expect(scriptSelfTimes(profile, 2500, 3500)).toEqual([{ group: '(garbage collector)', ms: 1 }]);
  });

  it('name sources by package or project file', () => {
    expect(packageOf('../../node_modules/recharts/es6/cartesian/Line.js')).toBe('recharts');
    expect(packageOf('../node_modules/@reduxjs/toolkit/dist/x.mjs')).toBe('@reduxjs/toolkit');
    expect(packageOf('../../src/components/charts/LossChart.tsx')).toBe(
      'src/components/charts/LossChart.tsx',
    );
  });
});

describe('allocations', () => {
  const frame = (functionName: string, url = '') => ({
    functionName,
    url,
    lineNumber: 0,
    columnNumber: 0,
  });
  const profile: SamplingHeapProfile = {
    head: {
      callFrame: frame('(root)'),
      selfSize: 0,
      children: [
        {
          callFrame: frame('draw', 'chart.js'),
          selfSize: 100,
          // a built-in's allocation counts for its caller
          children: [{ callFrame: frame('map'), selfSize: 50, children: [] }],
        },
        { callFrame: frame('store', 'store.js'), selfSize: 30, children: [] },
        { callFrame: frame('(V8 API)'), selfSize: 5, children: [] },
      ],
    },
  };

  it('add up bytes by source, built-ins credited to their caller, most first', () => {
    expect(allocationsBySource(profile)).toEqual([
      { group: 'chart.js', bytes: 150 },
      { group: 'store.js', bytes: 30 },
      { group: '(V8 API)', bytes: 5 },
    ]);
  });

  it("list the main thread's collections with their heap sizes", () => {
    const gc = (name: string, ts: number, dur: number, before: number, after: number) => ({
      ...x(name, ts, dur),
      args: { usedHeapSizeBefore: before * 2 ** 20, usedHeapSizeAfter: after * 2 ** 20 },
    });
    const traced = [
      ...events,
      gc('MajorGC', 300_000, 60_000, 80, 20) as TraceEvent,
      gc('MinorGC', 400_000, 3_000, 30, 25) as TraceEvent,
      { ...gc('MajorGC', 500_000, 9_000, 9, 9), pid: 2, tid: 9 } as TraceEvent,
    ];
    expect(mainThreadCollections(traced)).toEqual([
      { kind: 'minor', ms: 10, usedBeforeMB: 0, usedAfterMB: 0 },
      { kind: 'major', ms: 60, usedBeforeMB: 80, usedAfterMB: 20 },
      { kind: 'minor', ms: 3, usedBeforeMB: 30, usedAfterMB: 25 },
    ]);
  });
});
