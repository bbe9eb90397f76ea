import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FIXTURE_PATH, parityFixture, unpack, type PackedTensor } from './parity-fixture';

const TOLERANCE = 1e-6;

const isPacked = (value: unknown): value is PackedTensor =>
  typeof value === 'object' && value !== null && 'data' in value && 'shape' in value;

/** Paths where `actual` differs from `expected` (numbers and packed tensors within TOLERANCE). */
function differences(actual: unknown, expected: unknown, path = '$'): string[] {
  if (typeof expected === 'number' && typeof actual === 'number')
    return Math.abs(actual - expected) <= TOLERANCE ? [] : [`${path}: ${actual} != ${expected}`];
  if (isPacked(expected) && isPacked(actual)) {
    if (actual.shape.join() !== expected.shape.join() || actual.name !== expected.name)
      return [`${path}: ${actual.name} ${actual.shape.join('x')} != ${expected.shape.join('x')}`];
    const a = unpack(actual);
    const e = unpack(expected);
    const worst = a.reduce((m, v, i) => Math.max(m, Math.abs(v - e[i])), 0);
    return worst <= TOLERANCE ? [] : [`${path} (${expected.name}): differs by ${worst}`];
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (actual.length !== expected.length)
      return [`${path}: length ${actual.length} != ${expected.length}`];
    return expected.flatMap((e, i) => differences(actual[i], e, `${path}[${i}]`));
  }
  if (typeof expected === 'object' && expected !== null && typeof actual === 'object' && actual) {
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    return [...keys].flatMap((key) =>
      differences(
        (actual as Record<string, unknown>)[key],
        (expected as Record<string, unknown>)[key],
        `${path}.${key}`,
      ),
    );
  }
  return actual === expected ? [] : [`${path}: ${String(actual)} != ${String(expected)}`];
}

describe('the PyTorch parity fixture', () => {
  it('is what the current TF.js code computes (rerun npx tsx scripts/parity-fixture.ts if not)', async () => {
    const committed: unknown = JSON.parse(readFileSync(FIXTURE_PATH, 'utf8'));
    const fresh: unknown = JSON.parse(JSON.stringify(await parityFixture()));
    expect(differences(fresh, committed).slice(0, 10)).toEqual([]);
  });
});
