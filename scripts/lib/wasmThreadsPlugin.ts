// Two fixes that let TF.js's wasm backend use threads from a bundled build:
// - it starts each pthread worker from the source text of its bundled module factory
//   (Function.toString); bundled and minified, that text refers to names outside it and every
//   pthread fails ("e is not defined"). The backend takes the factory's original, self-contained
//   script instead, served as a file of the site (see src/worker/wasmSetup.ts);
// - its thread pool is capped at half of navigator.hardwareConcurrency, so a two-core laptop
//   gets one thread whatever setThreadsCount says. The cores the pool sees can be given.
import type { Plugin } from 'vite';
import { applyPatches, sourcePatchPlugin, type SourcePatch } from './sourcePatchPlugin.ts';

/** Through these globals wasmSetup.ts hands the factory's script address and the core count. */
export const THREADED_SCRIPT_GLOBAL = '__TFJS_WASM_THREADED_SCRIPT__';
export const LOGICAL_CORES_GLOBAL = '__TFJS_WASM_LOGICAL_CORES__';

const PATCHES: readonly SourcePatch[] = [
  {
    name: 'pthread script',
    from: 'factoryConfig.mainScriptUrlOrBlob = new Blob(',
    to: `factoryConfig.mainScriptUrlOrBlob = globalThis.${THREADED_SCRIPT_GLOBAL} ?? new Blob(`,
  },
  {
    name: 'logical cores',
    from: 'return navigator["hardwareConcurrency"]}',
    to: `return globalThis.${LOGICAL_CORES_GLOBAL} ?? navigator["hardwareConcurrency"]}`,
  },
];

/** The code with every fix that applies to it, and the names of those applied. */
export function withThreadFixes(code: string): { code: string; applied: string[] } {
  return applyPatches(code, PATCHES);
}

export function wasmThreadsPlugin(): Plugin {
  return sourcePatchPlugin(
    'tfjs-wasm-threads',
    /tfjs-backend-wasm[\\/](dist|wasm-out)[\\/]/,
    PATCHES,
    (missing) =>
      `TF.js's wasm backend changed: the ${missing.join(' and ')} fix found nothing to patch, so wasm threads would break; update scripts/lib/wasmThreadsPlugin.ts`,
  );
}
