// `npm run fetch:cifar10` / `npm run fetch:cifar100`: downloads the official binary archive from
// its publisher into public/data/, checks the published MD5, and says what to do when offline.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { helpRequested } from './lib/cli';

const ARCHIVES = {
  cifar10: {
    url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
    file: 'cifar-10-binary.tar.gz',
    md5: 'c32a1d4ab5d03f1284b67883e8d87530',
  },
  cifar100: {
    url: 'https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz',
    file: 'cifar-100-binary.tar.gz',
    md5: '03b5dce01913d631647c71ecec9e9cb8',
  },
} as const;

const DESTINATION = join(process.cwd(), 'public', 'data');

function md5(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

async function download(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok || !response.body) throw new Error(`${url} answered HTTP ${response.status}`);
  const total = Number(response.headers.get('content-length')) || 0;
  const parts: Uint8Array[] = [];
  let received = 0;
  let lastShown = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    received += value.length;
    if (Date.now() - lastShown > 500) {
      lastShown = Date.now();
      const percent = total ? ` (${((100 * received) / total).toFixed(0)}%)` : '';
      process.stdout.write(`\r  ${(received / 1e6).toFixed(1)} MB${percent}   `);
    }
  }
  process.stdout.write('\n');
  const out = new Uint8Array(received);
  parts.reduce((at, part) => (out.set(part, at), at + part.length), 0);
  return out;
}

const USAGE = `usage: npm run fetch:cifar10 | npm run fetch:cifar100

  Downloads the official binary archive from its publisher into public/data/ and checks its MD5;
  the studio's default dataset URL reads it from there.`;

async function main(args: string[]): Promise<number> {
  if (helpRequested(args)) {
    console.log(USAGE);
    return 0;
  }
  const [kind] = args;
  if (kind !== 'cifar10' && kind !== 'cifar100') {
    console.error(USAGE);
    return 2;
  }
  const archive = ARCHIVES[kind];
  const target = join(DESTINATION, archive.file);
  if (existsSync(target) && md5(readFileSync(target)) === archive.md5) {
    console.log(`${target} is already here and its MD5 matches.`);
    return 0;
  }
  console.log(`Downloading ${archive.url}`);
  let bytes: Uint8Array;
  try {
    bytes = await download(archive.url);
  } catch (error) {
    const cause = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
    console.error(
      `Could not download ${archive.url} (${cause}).\n` +
        `You seem to be offline or the host is unreachable. On a machine with internet access,\n` +
        `download that file, copy it to ${target}, and run this command again to check it;\n` +
        `or drop the archive onto the studio's dataset panel. The built-in dataset needs no download.`,
    );
    return 1;
  }
  const digest = md5(bytes);
  if (digest !== archive.md5) {
    console.error(
      `MD5 mismatch: got ${digest}, the publisher lists ${archive.md5}. The download is damaged; nothing was saved.`,
    );
    return 1;
  }
  mkdirSync(DESTINATION, { recursive: true });
  writeFileSync(`${target}.part`, bytes);
  renameSync(`${target}.part`, target);
  console.log(
    `Saved ${target} (${(bytes.length / 1e6).toFixed(1)} MB, MD5 ok). The studio lists it under "Dataset".`,
  );
  return 0;
}

main(process.argv.slice(2)).then((code) => process.exit(code));
