// `npm run dataset -- info <path|builtin>`: parses a dataset input the way the studio does and
// prints its facts as JSON (kind, class names, counts, per-class label histograms).
import { loadCifar, type Cifar100Labels } from '../src/data/cifar';
import { generateBuiltin } from '../src/data/builtin';
import { describeDataset } from '../src/data/dataset';
import { sourcesFromPath } from './lib/files';

const USAGE = `usage: npm run dataset -- info <archive | .bin file | folder | builtin> [--coarse]

  <archive>   cifar-10-binary.tar.gz, cifar-100-binary.tar.gz, or their unpacked .tar
  <folder>    a folder holding data_batch_N.bin / test_batch.bin, or train.bin / test.bin
  builtin     the studio's built-in offline dataset
  --coarse    CIFAR-100: use the 20 coarse labels instead of the 100 fine ones`;

async function main(args: string[]): Promise<number> {
  const [command, path, ...rest] = args;
  if (command !== 'info' || !path) {
    console.error(USAGE);
    return 2;
  }
  const cifar100Labels: Cifar100Labels = rest.includes('--coarse') ? 'coarse' : 'fine';
  const dataset =
    path === 'builtin'
      ? generateBuiltin()
      : await loadCifar(sourcesFromPath(path), { cifar100Labels });
  console.log(JSON.stringify(describeDataset(dataset), null, 2));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`dataset: ${error.message}`);
    process.exit(1);
  },
);
