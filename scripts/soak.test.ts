import { describe, expect, it } from 'vitest';
import { rendererMegabytes } from './soak';

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
