// `npm run results`: redraws each study under docs/results/<name>/ (results.md and the plot) from
// its study-*.json records, and rewrites the measured parts of docs/results.md (between its
// markers) from them, keeping the hand-written text around them: the full-width study (the
// page's opening) between the full-width markers, every other between the study markers.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { helpRequested } from './lib/cli';
import { readStudyFolder, studyMarkdown, studyPlot } from './lib/studyReport';

const PAGE = join('docs', 'results.md');
const FOLDER = join('docs', 'results');
/** The study the page opens with: the method at full size. */
const LEAD = 'full-width';

/** The page with the text between `<!-- marker:start -->` and `<!-- marker:end -->` replaced. */
export function replaceStudies(page: string, sections: string, marker = 'studies'): string {
  const [START, END] = [`<!-- ${marker}:start -->`, `<!-- ${marker}:end -->`];
  const start = page.indexOf(START);
  const end = page.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${PAGE} has no ${START} ... ${END} markers`);
  return `${page.slice(0, start + START.length)}\n\n${sections}\n${page.slice(end)}`;
}

const PLOT_FILE = 'accuracy-vs-params.svg';

async function main(): Promise<void> {
  const studies = readdirSync(FOLDER)
    .filter((name) => statSync(join(FOLDER, name)).isDirectory())
    .filter((name) => readdirSync(join(FOLDER, name)).some((file) => file.startsWith('study-')))
    .sort()
    .map((name) => ({ name, study: readStudyFolder(join(FOLDER, name)) }));
  for (const { name, study } of studies) {
    writeFileSync(join(FOLDER, name, PLOT_FILE), await studyPlot(study));
    writeFileSync(
      join(FOLDER, name, 'results.md'),
      `# Study\n\n${studyMarkdown(study, PLOT_FILE)}`,
    );
  }
  // the lead study sits under the page's own heading for it
  const section = (names: (name: string) => boolean, heading = '##') =>
    studies
      .filter(({ name }) => names(name))
      .map(({ name, study }) => studyMarkdown(study, `results/${name}/${PLOT_FILE}`, heading))
      .join('\n');
  let page = replaceStudies(
    readFileSync(PAGE, 'utf8'),
    section((name) => name !== LEAD),
  );
  if (studies.some(({ name }) => name === LEAD))
    page = replaceStudies(
      page,
      section((name) => name === LEAD, '###'),
      LEAD,
    );
  writeFileSync(PAGE, page);
  console.error(`${PAGE}: ${studies.length} studies`);
}

const USAGE = `usage: npm run results

  Redraws each study under docs/results/<name>/ (results.md and the plot) from its study-*.json
  records and rewrites the measured part of docs/results.md. See npm run study -- --help.`;

if (process.argv[1]?.endsWith('results-page.ts'))
  (helpRequested(process.argv.slice(2)) ? Promise.resolve(console.log(USAGE)) : main()).catch(
    (error: Error) => {
      console.error(`results: ${error.message}`);
      process.exit(1);
    },
  );
