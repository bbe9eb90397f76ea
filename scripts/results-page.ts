// `npm run results`: rewrites the measured part of docs/results.md (between its study markers)
// from the studies committed under docs/results/<name>/, keeping the hand-written text around it.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readStudyFolder, studyMarkdown } from './lib/studyReport';

const PAGE = join('docs', 'results.md');
const FOLDER = join('docs', 'results');
const START = '<!-- studies:start -->';
const END = '<!-- studies:end -->';

export function replaceStudies(page: string, sections: string): string {
  const start = page.indexOf(START);
  const end = page.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${PAGE} has no ${START} ... ${END} markers`);
  return `${page.slice(0, start + START.length)}\n\n${sections}\n${page.slice(end)}`;
}

function main(): void {
  const studies = readdirSync(FOLDER)
    .filter((name) => statSync(join(FOLDER, name)).isDirectory())
    .filter((name) => readdirSync(join(FOLDER, name)).some((file) => file.startsWith('study-')))
    .sort()
    .map((name) => ({ name, study: readStudyFolder(join(FOLDER, name)) }));
  const sections = studies
    .map(({ name, study }) => studyMarkdown(study, `results/${name}/accuracy-vs-params.svg`))
    .join('\n');
  writeFileSync(PAGE, replaceStudies(readFileSync(PAGE, 'utf8'), sections));
  console.error(`${PAGE}: ${studies.length} studies`);
}

if (process.argv[1]?.endsWith('results-page.ts')) main();
