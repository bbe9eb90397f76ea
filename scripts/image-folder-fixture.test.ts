import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeWithSharp } from './lib/nodeImages';
import {
  DECODE_FIXTURE_PATH,
  FIXTURE_PATH,
  imageFolderFixture,
  type DecodeCase,
  type FixtureCase,
} from './image-folder-fixture';

describe('the image-folder fixtures of the PyTorch twin', () => {
  it('is what planImageFolder makes now (rerun npx tsx scripts/image-folder-fixture.ts if not)', () => {
    const committed = JSON.parse(readFileSync(FIXTURE_PATH, 'utf8')) as FixtureCase[];
    const fresh = JSON.parse(JSON.stringify(imageFolderFixture())) as FixtureCase[];
    expect(fresh.map((c) => c.name)).toEqual(committed.map((c) => c.name));
    fresh.forEach((planCase, i) => expect(planCase, planCase.name).toEqual(committed[i]));
  });

  it('holds plans and refusals of every kind', () => {
    const fixture = imageFolderFixture();
    const kinds = fixture.flatMap((c) => ('plan' in c ? [c.plan.split.kind] : []));
    expect(new Set(kinds)).toEqual(new Set(['seeded', 'folder']));
    expect(fixture.filter((c) => 'error' in c).length).toBeGreaterThanOrEqual(10);
  });

  // libvips picks SIMD paths by processor, so a level of rounding may differ between machines
  it('holds the pixels sharp decodes its images to now, within 2 levels (else rerun the script)', async () => {
    const committed = JSON.parse(readFileSync(DECODE_FIXTURE_PATH, 'utf8')) as DecodeCase[];
    expect(committed.length).toBeGreaterThanOrEqual(10);
    for (const { name, file, pixels } of committed)
      for (const [side, expected] of Object.entries(pixels)) {
        const bytes = new Uint8Array(Buffer.from(file, 'base64'));
        const decoded = await decodeWithSharp(bytes, Number(side));
        const want = Buffer.from(expected, 'base64');
        expect(decoded.length, `${name} at ${side}`).toBe(want.length);
        const worst = decoded.reduce(
          (most, value, i) => Math.max(most, Math.abs(value - want[i])),
          0,
        );
        expect(worst, `${name} at ${side}`).toBeLessThanOrEqual(2);
      }
  });
});
