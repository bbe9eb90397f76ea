import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withThreadFixes } from './wasmThreadsPlugin';

const packageDir = dirname(
  createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json'),
);
const source = (file: string) => readFileSync(join(packageDir, file), 'utf8');

describe('the wasm threads fixes', () => {
  it('apply to the installed TF.js wasm backend (this fails when an upgrade moves them)', () => {
    expect(withThreadFixes(source('dist/backend_wasm.js')).applied).toEqual(['pthread script']);
    expect(withThreadFixes(source('wasm-out/tfjs-backend-wasm-threaded-simd.js')).applied).toEqual([
      'logical cores',
    ]);
    expect(withThreadFixes(source('dist/tf-backend-wasm.fesm.js')).applied).toEqual([
      'pthread script',
      'logical cores',
    ]);
  });

  it('leave other code alone', () => {
    expect(withThreadFixes('const x = 1;')).toEqual({ code: 'const x = 1;', applied: [] });
  });

  it('the script each pthread loads defines the factory by itself', () => {
    expect(source('wasm-out/tfjs-backend-wasm-threaded-simd.js').trimStart()).toMatch(
      /^var WasmBackendModuleThreadedSimd = /,
    );
  });
});
