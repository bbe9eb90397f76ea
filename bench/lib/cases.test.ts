import { describe, expect, it } from 'vitest';
import { rankOf } from '../../src/lowrank/factorised';
import { median } from '../../src/stats';
import { benchTrainer, timeTrainingRounds } from './cases';
import { planItems, runPlan } from './plan';

describe('benchmark variants', () => {
  it('rank50 halves every factorised layer of ResNet-20; dense has none', async () => {
    const full = await benchTrainer('full', 8, 0);
    const half = await benchTrainer('rank50', 8, 0);
    const fullRanks = full.layers.map(rankOf);
    expect(half.layers.map(rankOf)).toEqual(fullRanks.map((r) => Math.floor(r / 2)));
    const dense = await benchTrainer('dense', 8, 0);
    expect(dense.layers).toHaveLength(0);
    [full, half, dense].forEach((t) => t.dispose());
  });

  it('macs50 keeps about half of the dense MACs', async () => {
    const trainer = await benchTrainer('macs50', 8, 0);
    const { dense, deployable } = trainer.accounting();
    expect(deployable.macs / dense.macs).toBeGreaterThan(0.45);
    expect(deployable.macs / dense.macs).toBeLessThan(0.6);
    trainer.dispose();
  });
});

describe('interleaved training rounds', () => {
  it('times every variant once a round, and stops starting rounds past the deadline', async () => {
    const rows = await timeTrainingRounds(['dense', 'full'], 2, { warmup: 0, steps: 2 });
    expect(rows.map((r) => [r.variant, r.samplesMs.length, r.steps])).toEqual([
      ['dense', 2, 2],
      ['full', 2, 2],
    ]);
    expect(rows[0].stepMs).toBe(median(rows[0].samplesMs));
    const late = await timeTrainingRounds(['dense'], 2, { warmup: 0, steps: 3, deadline: 0 });
    expect(late[0].samplesMs).toHaveLength(1);
  });

  it('a plan with its budget spent skips each item with the reason', async () => {
    const plan = await runPlan('cpu', planItems([2]), {
      warmup: 0,
      steps: 1,
      inferenceRuns: 1,
      inferenceRepeats: 1,
      budgetMs: -1,
    });
    expect(plan.training).toEqual([]);
    expect(plan.skipped).toHaveLength(planItems([2]).length);
    expect(plan.skipped[0].reason).toMatch(/^time budget of .* s spent$/);
  });
});
