// `npm run study:from-runs -- <folder> --name <name>`: assembles the finished runs in <folder>
// (one subfolder a run, each with its report.json, e.g. the PyTorch twin's) into
// <folder>/study-runs.json, which `npm run results` tables and plots like a study's.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { helpRequested } from './lib/cli';
import type { ExperimentReport } from './lib/report';
import { studyFromReports } from './lib/runsStudy';

const USAGE = `usage: npm run study:from-runs -- <folder> --name <name>

  Reads <folder>/*/report.json (one finished run a folder: npm run experiment's or the PyTorch
  twin's) and writes <folder>/study-runs.json; then npm run results draws its table and plot.
  Each run's label, seed and target come from its own report.`;

function main(): void {
  const args = process.argv.slice(2);
  if (helpRequested(args)) {
    console.log(USAGE);
    return;
  }
  const at = args.indexOf('--name');
  const name = at >= 0 ? args[at + 1] : undefined;
  const folder = args.find((_, i) => at < 0 || (i !== at && i !== at + 1));
  if (!folder || !name) throw new Error('a folder and --name are required');
  const reports = readdirSync(folder)
    .map((entry) => join(folder, entry, 'report.json'))
    .filter((path) => existsSync(path))
    .sort()
    .map((path) => JSON.parse(readFileSync(path, 'utf8')) as ExperimentReport);
  const command = [
    `npm run study:from-runs -- ${folder} --name ${/^[\w.-]+$/.test(name) ? name : `'${name}'`}`,
    `# each run's own command: ${join(folder, 'README.md')}`,
  ].join('\n');
  const study = studyFromReports(name, command, reports);
  writeFileSync(join(folder, 'study-runs.json'), `${JSON.stringify(study, null, 2)}\n`);
  console.error(`wrote ${join(folder, 'study-runs.json')}: ${study.runs.length} runs`);
}

try {
  main();
} catch (error) {
  console.error(`study:from-runs: ${(error as Error).message}\n\n${USAGE}`);
  process.exit(1);
}
