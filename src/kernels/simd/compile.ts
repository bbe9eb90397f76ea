// Compiles the hand-written WebAssembly text in this folder (*.wat) with wabt's wat2wasm and
// renders the TypeScript module that carries the binaries (kernels.wasm.ts), so that Vite, Node,
// vitest and tsx load them as plain code with no loader plugin or fetch. Shared by the build
// script (build.ts) and the test that fails when the committed module is stale.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import wabt from 'wabt';

export const SIMD_FOLDER = fileURLToPath(new URL('.', import.meta.url));
export const GENERATED_FILE = join(SIMD_FOLDER, 'kernels.wasm.ts');

/** The import every .wat declares; the threaded build's heap needs the shared form. */
const MEMORY_IMPORT = '(import "env" "memory" (memory 1))';
// a shared memory must declare its maximum; TF.js's threaded heap is 65536 pages (4 GiB)
const SHARED_MEMORY_IMPORT = '(import "env" "memory" (memory 1 65536 shared))';

export interface CompiledModule {
  /** The .wat file's name without its extension. */
  name: string;
  memory: Uint8Array;
  sharedMemory: Uint8Array;
  /** Where the text uses (madd a b c): the fused form for engines with relaxed SIMD. */
  relaxed?: { memory: Uint8Array; sharedMemory: Uint8Array };
}

const MADD = '(madd ';

/** The end (exclusive) of the balanced parenthesised expression that starts at `start`. */
function expressionEnd(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return i + 1;
  }
  throw new Error(`unbalanced parentheses after offset ${start}`);
}

/**
 * Expands every (madd a b c), a*b + c on four f32 lanes, to f32x4.relaxed_madd (one fused
 * multiply-add where the CPU has it) or to f32x4.mul and f32x4.add for engines without relaxed
 * SIMD. WebAssembly text has no macros; this one keeps both forms in one source.
 */
export function expandMadd(text: string, relaxed: boolean): string {
  let out = '';
  let from = 0;
  for (let at = text.indexOf(MADD); at >= 0; at = text.indexOf(MADD, from)) {
    const end = expressionEnd(text, at);
    const args: string[] = [];
    let i = at + MADD.length;
    while (args.length < 3) {
      while (/\s/.test(text[i])) i++;
      if (text[i] !== '(')
        throw new Error(`madd takes three parenthesised operands: ${text.slice(at, end)}`);
      const argEnd = expressionEnd(text, i);
      args.push(expandMadd(text.slice(i, argEnd), relaxed));
      i = argEnd;
    }
    if (text.slice(i, end).trim() !== ')')
      throw new Error(`madd takes three operands: ${text.slice(at, end)}`);
    const [a, b, c] = args;
    out += text.slice(from, at);
    out += relaxed
      ? `(f32x4.relaxed_madd ${a} ${b} ${c})`
      : `(f32x4.add (f32x4.mul ${a} ${b}) ${c})`;
    from = end;
  }
  return out + text.slice(from);
}

async function toBinary(name: string, text: string): Promise<Uint8Array> {
  const compiler = await wabt();
  const features = { simd: true, threads: true, relaxed_simd: true };
  const parsed = compiler.parseWat(name, text, features);
  try {
    parsed.resolveNames();
    // wabt's typings omit validate's features argument (without it, shared memories fail)
    (parsed.validate as (options: typeof features) => void)(features);
    return parsed.toBinary({ canonicalize_lebs: true }).buffer;
  } finally {
    parsed.destroy();
  }
}

export async function compileKernels(): Promise<CompiledModule[]> {
  const names = (await readdir(SIMD_FOLDER)).filter((file) => file.endsWith('.wat')).sort();
  const modules: CompiledModule[] = [];
  for (const file of names) {
    const text = await readFile(join(SIMD_FOLDER, file), 'utf8');
    if (text.split(MEMORY_IMPORT).length !== 2) {
      throw new Error(`${file} must import its memory exactly once as ${MEMORY_IMPORT}`);
    }
    const code = text.replace(/;;.*$/gm, ''); // comments may mention (madd a b c)
    const both = async (source: string) => ({
      memory: await toBinary(file, source),
      sharedMemory: await toBinary(file, source.replace(MEMORY_IMPORT, SHARED_MEMORY_IMPORT)),
    });
    modules.push({
      name: file.replace(/\.wat$/, ''),
      ...(await both(expandMadd(code, false))),
      ...(code.includes(MADD) ? { relaxed: await both(expandMadd(code, true)) } : {}),
    });
  }
  return modules;
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

/** The text of kernels.wasm.ts for these modules (formatted as prettier leaves it). */
export function generatedModule(modules: CompiledModule[]): string {
  const binaries = (indent: string, { memory, sharedMemory }: Omit<CompiledModule, 'name'>) =>
    `${indent}memory:\n${indent}  '${base64(memory)}',\n` +
    `${indent}sharedMemory:\n${indent}  '${base64(sharedMemory)}',\n`;
  const entries = modules.map(
    (module) =>
      `  ${module.name}: {\n${binaries('    ', module)}` +
      (module.relaxed ? `    relaxed: {\n${binaries('      ', module.relaxed)}    },\n` : '') +
      '  },\n',
  );
  return [
    '// Generated by `npm run build:kernels` from src/kernels/simd/*.wat: do not edit.',
    '// WebAssembly binaries (base64), each built for a plain and for a shared (threaded) memory,',
    '// and in a relaxed-SIMD form where the kernel has fused multiply-adds.',
    'interface Binaries {\n  memory: string;\n  sharedMemory: string;\n}',
    `export const SIMD_WASM: Record<string, Binaries & { relaxed?: Binaries }> = {\n${entries.join('')}};`,
    '',
  ].join('\n');
}
