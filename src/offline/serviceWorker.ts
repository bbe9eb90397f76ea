// The studio's service worker: keeps the whole app (page, scripts, wasm binaries, the built-in
// dataset's generator) in a versioned cache so a reload works offline, and adds the
// cross-origin isolation headers a plain static host does not send, so the wasm backend can use
// threads (SharedArrayBuffer) anywhere. A new deployment is cached completely before it is used:
// the old one keeps serving until every tab of it is closed (or the page asks to switch).
import { addPlugins, cleanupOutdatedCaches, precacheAndRoute } from 'workbox-precaching';
import { registerRoute } from 'workbox-routing';
import { isolationHeaders } from './isolation';

declare const self: ServiceWorkerGlobalScope & {
  __WB_MANIFEST: (string | { url: string; revision: string | null })[];
};

/** The same response with the isolation headers (an opaque or error response is left as it is). */
function withIsolation(response: Response): Response {
  if (response.type === 'opaque' || response.type === 'error' || response.status === 0)
    return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(isolationHeaders)) headers.set(name, value);
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}

addPlugins([{ handlerWillRespond: async ({ response }) => withIsolation(response) }]);
// a shared link carries its settings in the query: every address of the page is index.html
precacheAndRoute(self.__WB_MANIFEST, { ignoreURLParametersMatching: [/.*/] });
cleanupOutdatedCaches();

// anything else of this site (not precached) still needs the headers; other sites pass untouched
registerRoute(
  ({ url }) => url.origin === self.location.origin,
  async ({ request }) => withIsolation(await fetch(request)),
);

self.addEventListener('install', () => {
  // the first version has nothing to replace: take over at once, so the page can isolate itself
  if (!self.registration.active) void self.skipWaiting();
});
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
self.addEventListener('message', (event) => {
  if ((event.data as { type?: string } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});
