// `npm run dataset -- info <path|builtin> [--coarse]`: parses a dataset input the way the studio
// does and prints its facts as JSON (kind, class names, counts, per-class label histograms). A
// single batch file (training or test) is described on its own.
import { loadCifar, type Cifar100Labels } from '../src/data/cifar';
import { generateBuiltin } from '../src/data/builtin';
import { describeDataset } from '../src/data/dataset';
import { helpRequested, unknownOption } from './lib/cli';
import { loadDatasetArgument, sourcesFromPath, imageFolderInput } from './lib/files';

export const USAGE = `usage: npm run dataset -- info <archive | .bin file | folder | builtin> [--coarse]

  <archive>   cifar-10-binary.tar.gz, cifar-100-binary.tar.gz, or their unpacked .tar; or your own
              images as a .zip, .tar or .tar.gz of class folders (<class>/<image>, train|test/<class>/<image>)
  <.bin file> one batch (data_batch_1.bin, test_batch.bin, train.bin, test.bin): described alone
  <folder>    a folder holding data_batch_N.bin / test_batch.bin, or train.bin / test.bin; or one
              folder per class of your own images
  builtin     the studio's built-in offline dataset
  --coarse    CIFAR-100: use the 20 coarse labels instead of the 100 fine ones`;

const FLAGS = ['--coarse', '--help'];

export async function describeInput(path: string, coarse: boolean) {
  const cifar100Labels: Cifar100Labels = coarse ? 'coarse' : 'fine';
  const dataset =
    path === 'builtin'
      ? generateBuiltin()
      : (await imageFolderInput(path))
        ? await loadDatasetArgument(path)
        : await loadCifar(sourcesFromPath(path), { cifar100Labels, partial: true });
  const description = describeDataset(dataset);
  const missing = (['train', 'test'] as const).filter((split) => dataset[split].count === 0);
  return missing.length
    ? { ...description, note: `no ${missing.join(' or ')} images in this input` }
    : description;
}

async function main(args: string[]): Promise<number> {
  if (helpRequested(args)) {
    console.log(USAGE);
    return 0;
  }
  const [command, path, ...rest] = args;
  const unknown = rest.find((flag) => !FLAGS.includes(flag));
  if (unknown) throw unknownOption(unknown, FLAGS);
  if (command !== 'info' || !path) {
    console.error(USAGE);
    return 2;
  }
  console.log(JSON.stringify(await describeInput(path, rest.includes('--coarse')), null, 2));
  return 0;
}

if (process.argv[1]?.endsWith('dataset.ts'))
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: Error) => {
      console.error(`dataset: ${error.message}`);
      process.exit(1);
    },
  );
