/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { VitePWA } from 'vite-plugin-pwa';
import { isolationHeaders } from './src/offline/isolation.ts';
import { wasmThreadsPlugin } from './scripts/lib/wasmThreadsPlugin.ts';

/**
 * What the built studio may load and run: its own scripts and wasm, workers from its own origin
 * (or blobs, which TF.js's threaded wasm uses), inline styles (chart layout), and downloads from
 * any http(s) address the user gives (dataset archives, the Hugging Face parquet files).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self' https: http: blob: data:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join('; ');

/** The policy as a meta tag in the built page only: the dev server injects inline scripts. */
function contentSecurityPolicy(): Plugin {
  return {
    name: 'content-security-policy',
    apply: 'build',
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY },
        injectTo: 'head-prepend',
      },
    ],
  };
}

/**
 * The installable, offline app: a web app manifest, and a service worker (src/offline) that
 * precaches every file of the build and adds the isolation headers on hosts that do not send them.
 */
function offlineApp() {
  return VitePWA({
    strategies: 'injectManifest',
    srcDir: 'src/offline',
    filename: 'serviceWorker.ts',
    injectRegister: false,
    injectManifest: {
      globPatterns: ['**/*.{js,css,html,wasm,svg,png,webmanifest}'],
      maximumFileSizeToCacheInBytes: 32 * 2 ** 20,
    },
    manifest: {
      name: 'Low-rank CNN studio',
      short_name: 'Low-rank studio',
      description:
        'Train CNNs that shrink while they learn (dynamic parameter rank pruning), in the browser.',
      start_url: './',
      scope: './',
      display: 'standalone',
      background_color: '#f6f7fb',
      theme_color: '#2d4a8a',
      icons: [
        { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png' },
        { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png' },
        { src: 'icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        { src: 'favicon.svg', sizes: 'any', type: 'image/svg+xml' },
      ],
    },
  });
}

/**
 * Names the deployment in the page itself (`<meta name="studio-build">`), so a visit can say that
 * the studio was updated since the last, and the service worker's copy of the page carries it.
 */
function buildIdentity(): Plugin {
  const id = process.env.STUDIO_BUILD_ID ?? new Date().toISOString().slice(0, 16).replace('T', ' ');
  return {
    name: 'build-identity',
    transformIndexHtml: () => [
      { tag: 'meta', attrs: { name: 'studio-build', content: id }, injectTo: 'head' },
    ],
  };
}

export default defineConfig({
  // relative addresses: the site works from any folder of any static host
  base: './',
  plugins: [react(), contentSecurityPolicy(), buildIdentity(), wasmThreadsPlugin(), offlineApp()],
  // the worker's TF.js without the parts it never uses (src/tf.ts)
  resolve: { alias: [{ find: /^@tensorflow\/tfjs$/, replacement: '/src/tf.ts' }] },
  worker: { format: 'es', plugins: () => [wasmThreadsPlugin()] },
  optimizeDeps: {
    rolldownOptions: { plugins: [wasmThreadsPlugin()] },
  },
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts', 'bench/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    pool: 'forks',
    // relaxed SIMD, on by default in Chromium, is behind a flag in Node 20: with it the tests run
    // the fused kernels the browser runs (and compare them with the plain ones)
    execArgv: ['--experimental-wasm-relaxed-simd'],
    setupFiles: ['src/testing/setup.ts'],
  },
});
