// The production build served on a free local port, for scripts that drive it in Chromium
// (npm run soak, npm run bench).
import { resolve } from 'node:path';
import { build, preview } from 'vite';

export interface PreviewSite {
  /** e.g. http://127.0.0.1:41234/ */
  base: string;
  close(): Promise<void>;
}

/**
 * Builds the site (or the page `input`) into `outDir` and serves it with Vite's preview server.
 * `forProfiling` keeps function names and writes source maps, for profiles that must say what ran.
 */
export async function previewBuild(
  outDir: string,
  input?: string,
  { forProfiling = false }: { forProfiling?: boolean } = {},
): Promise<PreviewSite> {
  const configFile = resolve('vite.config.ts');
  await build({
    configFile,
    logLevel: 'warn',
    build: {
      outDir,
      emptyOutDir: true,
      minify: !forProfiling,
      sourcemap: forProfiling,
      ...(input ? { rollupOptions: { input: resolve(input) } } : {}),
    },
  });
  const server = await preview({
    configFile,
    logLevel: 'warn',
    build: { outDir },
    preview: { port: 0, host: '127.0.0.1', open: false },
  });
  const base = server.resolvedUrls?.local[0];
  if (!base) throw new Error('the preview server did not report its address');
  return { base, close: () => server.close() };
}
