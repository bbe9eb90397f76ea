import { describe, expect, it } from 'vitest';
import { computeTargets, markdown, type BenchResults, type EnvTraining } from './report';

const training = (
  variant: EnvTraining['variant'],
  batchSize: number,
  stepMs: number,
  environment: EnvTraining['environment'] = 'node',
  samplesMs = [stepMs],
): EnvTraining => ({
  environment,
  backend: 'wasm',
  variant,
  batchSize,
  steps: samplesMs.length,
  stepMs,
  imagesPerSecond: (1000 * batchSize) / stepMs,
  samplesMs,
});

function results(overrides: Partial<BenchResults> = {}): BenchResults {
  return {
    createdAt: '2026-11-26T00:00:00.000Z',
    quick: false,
    machine: { cpus: 2, cpuModel: 'test cpu', node: 'v20', chromium: null },
    training: [training('dense', 128, 3200), training('full', 128, 3400), training('dense', 32, 800)],
    inference: [
      {
        environment: 'node',
        backend: 'wasm',
        variant: 'macs50',
        batchSize: 32,
        compressedMs: 50,
        denseMs: 90,
        speedup: 1.8,
        speedupSamples: [1.7, 1.8, 1.9],
        macsRatio: 2,
      },
    ],
    skipped: [],
    pytorch: {
      available: true,
      results: [{ batch: 128, stepMs: 1000, imagesPerSecond: 128, threads: 1, torch: '1.13' }],
    },
    rounds: [],
    targets: [],
    ...overrides,
  };
}

describe('benchmark targets', () => {
  it('computes each ratio and says whether it is met and what it was measured on', () => {
    const [torch, threads, fullRank, fullRank32, inference, gpu] = computeTargets(results());
    expect(torch.measured).toBeCloseTo(40 / 128, 5);
    expect(torch.met).toBe(false);
    expect(torch.basis).toContain('Node wasm');
    expect(threads.measured).toBeNull();
    expect(fullRank.measured).toBeCloseTo(3400 / 3200, 5);
    expect(fullRank.met).toBe(true);
    expect(fullRank.basis).toContain('batch 128');
    expect(fullRank32.measured).toBeNull();
    expect(inference.measured).toBe(1.8);
    expect(inference.met).toBe(true);
    expect(inference.basis).toContain('50% of the dense MACs');
    expect(gpu.met).toBeNull();
  });

  it("compares Chromium's wasm on every core with PyTorch and with its one-thread run", () => {
    const chromium = (backend: string, stepMs: number): EnvTraining => ({
      ...training('dense', 128, stepMs, 'chromium'),
      backend,
    });
    const [torch, threads] = computeTargets(
      results({
        training: [chromium('wasm, 1 thread', 1000), chromium('wasm, 2 threads', 600)],
      }),
    );
    expect(torch.measured).toBeCloseTo(128 / 0.6 / 128, 5);
    expect(torch.basis).toContain('Chromium wasm, 2 threads');
    expect(threads.measured).toBeCloseTo(1000 / 600, 5);
    expect(threads.met).toBe(false);
  });

  it('reports a target as not measured (never as met) when its inputs are missing', () => {
    const [torch, , fullRank, , inference] = computeTargets(
      results({
        training: [training('dense', 32, 800, 'chromium')],
        inference: [],
        pytorch: { available: false, reason: 'no torch', results: [] },
      }),
    );
    for (const t of [torch, fullRank, inference]) {
      expect(t.measured).toBeNull();
      expect(t.met).toBeNull();
    }
  });

  it('prints the tables with the ratio to PyTorch and the targets', () => {
    const all = results();
    all.targets = computeTargets(all);
    const text = markdown(all);
    expect(text).toContain('| node | wasm | 128 | 40.0 | 37.6 | – | – | 1.06 | 0.31x |');
    expect(text).toContain(
      '| wasm training images/s vs PyTorch CPU (all cores), batch 128 | 0.31 | 0.31-0.31 (1) | >= 0.33 | no (1 sample: uncertain) |',
    );
    expect(text).toContain('| factorised, ~50% MACs | 32 | 50.0 | 90.0 | 1.80x | 50% |');
  });

  it('judges on the median of paired samples and says when their range straddles the threshold', () => {
    const [, , fullRank] = computeTargets(
      results({
        training: [
          training('dense', 128, 1000, 'node', [1000, 900, 1100, 1000, 1000]),
          training('full', 128, 1050, 'node', [1050, 1080, 1080, 1250, 1000]),
        ],
      }),
    );
    expect(fullRank.samples.map((x) => +x.toFixed(2))).toEqual([1.05, 1.2, 0.98, 1.25, 1]);
    expect(fullRank.measured).toBeCloseTo(1.05, 5);
    expect(fullRank.spread).toEqual([expect.closeTo(0.98, 2), expect.closeTo(1.25, 2)]);
    expect(fullRank.met).toBe(true);
    expect(fullRank.straddles).toBe(true);
    const all = results({ quick: true });
    all.targets = [fullRank, ...computeTargets(all).slice(1)];
    const text = markdown(all);
    expect(text).toContain('| 1.05 | 0.98-1.25 (5) | <= 1.1 | yes, but the range straddles 1.1: uncertain |');
    expect(text).toContain('these verdicts are indicative');
    expect(text).toContain('| 1.80 | 1.70-1.90 (3) | >= 1.6 | yes (indicative) |');
  });

  it('takes the ratios between processes from their interleaved rounds', () => {
    const side = (label: string, environment: 'chromium' | 'python', threads: number, samplesMs: number[]) => ({
      label,
      environment,
      threads,
      batchSize: 128,
      samplesMs,
    });
    const [torch, threads] = computeTargets(
      results({
        rounds: [
          side('PyTorch CPU', 'python', 2, [200, 220, 180]),
          side('Chromium wasm, 1 thread', 'chromium', 1, [1000, 1100, 900]),
          side('Chromium wasm, 2 threads', 'chromium', 2, [500, 500, 600]),
        ],
      }),
    );
    expect(torch.samples).toEqual([0.4, 0.44, 0.3]);
    expect(torch.measured).toBeCloseTo(0.4, 5);
    expect(torch.straddles).toBe(true);
    expect(torch.basis).toContain('3 interleaved rounds');
    expect(threads.samples).toEqual([2, 2.2, 1.5]);
    expect(threads.measured).toBe(2);
    expect(threads.met).toBe(true);
    expect(threads.basis).toBe('Chromium wasm, 2 threads vs Chromium wasm, 1 thread, dense ResNet-20, 3 interleaved rounds');
  });
});
