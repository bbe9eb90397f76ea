import { describe, expect, it } from 'vitest';
import { rankOf } from '../../src/lowrank/factorised';
import { benchTrainer } from './cases';

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
