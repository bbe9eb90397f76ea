// `npm run compare:epochs -- [--epochs N] label=report.json ...`: a markdown table of the runs'
// epochs side by side (train loss and accuracy, evaluated accuracy, params kept).
import { readFileSync } from 'node:fs';
import { helpRequested } from './lib/cli';
import { epochComparison, labelledRun } from './lib/epochComparison';

const USAGE = `usage: npm run compare:epochs -- [--epochs N] label=path/report.json[#lowrank|#dense] ...`;

function main(): void {
  const args = process.argv.slice(2);
  if (helpRequested(args) || !args.length) {
    console.log(USAGE);
    return;
  }
  const at = args.indexOf('--epochs');
  const epochs = at >= 0 ? Number(args[at + 1]) : undefined;
  if (epochs !== undefined && !(Number.isInteger(epochs) && epochs > 0))
    throw new Error(`--epochs needs a positive whole number, got ${args[at + 1]}`);
  const runs = args
    .filter((_, i) => at < 0 || (i !== at && i !== at + 1))
    .map((argument) => labelledRun(argument, (path) => readFileSync(path, 'utf8')));
  process.stdout.write(epochComparison(runs, epochs));
}

try {
  main();
} catch (error) {
  console.error(`compare:epochs: ${(error as Error).message}\n${USAGE}`);
  process.exit(1);
}
