import { describe, expect, it } from 'vitest';
import { longTaskSummary, rendererMegabytes } from './soak';

const LISTING = `    PID    PPID   RSS COMMAND
    100       1  2048 /usr/bin/chromium --no-sandbox --soak-run=42
    101     100  1024 /usr/bin/chromium --type=zygote
    102     101 10240 /usr/bin/chromium --type=renderer --lang=en
    103     101 20480 /usr/bin/chromium --type=renderer --lang=en
    104     100  4096 /usr/bin/chromium --type=gpu-process
    200       1  2048 /usr/bin/chromium --no-sandbox
    201     200 99999 /usr/bin/chromium --type=renderer`;

describe('rendererMegabytes', () => {
  it("counts only the renderers of the soak's own browser", () => {
    expect(rendererMegabytes('--soak-run=42', LISTING)).toBe(30);
  });

  it('is null when the browser is not found', () => {
    expect(rendererMegabytes('--soak-run=7', LISTING)).toBeNull();
  });
});

describe('the long-task verdict', () => {
  const sample = (longTasks: number, longestTaskMs: number) => ({
    minute: 1,
    step: 1,
    longTasks,
    longTaskMs: longestTaskMs * longTasks,
    longestTaskMs,
    answerMs: 1,
    pauseMs: 1,
    tensors: 1,
    heapMB: 1,
    jsHeapMB: 1,
    rendererMB: 1,
  });
  it('needs 57 clean minutes of 60 and no task over 100 ms', () => {
    const clean = Array.from({ length: 57 }, () => sample(0, 0));
    expect(longTaskSummary([...clean, ...Array(3).fill(sample(1, 60))])).toMatch(
      /57 of 60 \(target 57\).*longest task 60 ms.*target met/,
    );
    expect(longTaskSummary([...clean.slice(1), ...Array(4).fill(sample(1, 60))])).toMatch(
      /target missed/,
    );
    expect(longTaskSummary([...clean, sample(1, 120), sample(0, 0), sample(0, 0)])).toMatch(
      /longest task 120 ms.*target missed/,
    );
  });
});
