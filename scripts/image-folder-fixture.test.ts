import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FIXTURE_PATH, imageFolderFixture, type FixtureCase } from './image-folder-fixture';

describe('the image-folder plan fixture of the PyTorch twin', () => {
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
});
