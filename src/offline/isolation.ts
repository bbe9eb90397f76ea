/**
 * The headers that make a page cross-origin isolated (SharedArrayBuffer, wasm threads): sent by
 * the dev and preview servers, and added by the service worker where a static host does not.
 */
export const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
} as const;
