// Backend selection inside the worker: try each backend in order and keep the first that both
// initialises and runs a conv gradient. tf.setBackend returns false instead of throwing when
// WebGPU finds no adapter, so the result is checked, never assumed. A GPU backend that runs on a
// software adapter (SwiftShader, llvmpipe) is usually slower than wasm on the same CPU, so then
// every working candidate is timed on a small training probe and the fastest wins.
import { median } from '../stats';
import * as tf from '@tensorflow/tfjs';
import { plannedWasmThreads } from './wasmSetup';
import { kernelThreadsStatus, startKernelThreadsOn } from '../kernels/kernelThreads';
import { backendMemory } from '../kernels/wasmSimd';
import type { BackendName, SkippedBackend } from '../protocol';

export const DEFAULT_ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

const SOFTWARE_RENDERER = /swiftshader|llvmpipe|lavapipe|software|basic render/i;

/** A tiny conv + gradient: the kernels a training step needs, on the active backend. */
export async function convGradientCheck(): Promise<number> {
  const gradientSum = tf.tidy(() => {
    const x = tf.ones([1, 4, 4, 2]) as tf.Tensor4D;
    const kernel = tf.ones([3, 3, 2, 2]) as tf.Tensor4D;
    const gradient = tf.grad((k: tf.Tensor) => tf.sum(tf.conv2d(x, k as tf.Tensor4D, 1, 'same')))(
      kernel,
    );
    return tf.sum(gradient);
  });
  const [value] = await gradientSum.data();
  gradientSum.dispose();
  return value;
}

/** Median wall time of a small conv training step (forward, both gradients, read back). */
export async function probeStepMs(): Promise<number> {
  const x = tf.randomNormal([8, 16, 16, 16], 0, 1, 'float32', 1) as tf.Tensor4D;
  const kernel = tf.randomNormal([3, 3, 16, 16], 0, 0.1, 'float32', 2) as tf.Tensor4D;
  const once = async () => {
    const started = performance.now();
    const result = tf.tidy(() => {
      const [dx, dk] = tf.grads((a: tf.Tensor, k: tf.Tensor) =>
        tf.sum(tf.relu(tf.conv2d(a as tf.Tensor4D, k as tf.Tensor4D, 1, 'same'))),
      )([x, kernel]);
      return tf.add(tf.sum(dx), tf.sum(dk));
    });
    await result.data();
    result.dispose();
    return performance.now() - started;
  };
  try {
    await once();
    await once();
    return median([await once(), await once(), await once()]);
  } finally {
    tf.dispose([x, kernel]);
  }
}

interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; description?: string };
  isFallbackAdapter?: boolean;
}

let adapterRequest: Promise<GpuAdapterLike | null> | null = null;

/** The WebGPU adapter, requested once: availability and the software check both need it. */
function webgpuAdapter(): Promise<GpuAdapterLike | null> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  adapterRequest ??= gpu
    ? (gpu.requestAdapter() as Promise<GpuAdapterLike | null>)
    : Promise.resolve(null);
  return adapterRequest;
}

/** The WebGL renderer's name, from a throwaway context (empty where WebGL is missing). */
function webglRenderer(): string {
  try {
    const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
    const debug = gl?.getExtension('WEBGL_debug_renderer_info');
    const renderer = gl && debug ? String(gl.getParameter(debug.UNMASKED_RENDERER_WEBGL)) : '';
    gl?.getExtension('WEBGL_lose_context')?.loseContext();
    return renderer;
  } catch {
    return '';
  }
}

/**
 * What a backend choice depends on in this browser: the TF.js version, the WebGPU adapter and the
 * WebGL renderer. A remembered choice stands while this is unchanged (a new GPU, driver or
 * browser flag gives a new fingerprint, and a new race).
 */
export async function environmentFingerprint(): Promise<string> {
  const adapter = await webgpuAdapter();
  const info = adapter?.info ?? {};
  const gpu = adapter
    ? [
        info.vendor,
        info.architecture,
        info.description,
        adapter.isFallbackAdapter ? 'fallback' : '',
      ]
        .filter(Boolean)
        .join(' ')
    : 'none';
  const threads =
    typeof crossOriginIsolated !== 'undefined' && crossOriginIsolated ? 'isolated' : 'not isolated';
  return `tfjs ${tf.version.tfjs} | webgpu: ${gpu} | webgl: ${webglRenderer() || 'none'} | ${navigator.hardwareConcurrency} cores, ${threads}`;
}

/** The software renderer's name when the active GPU backend runs on one, else null. */
async function softwareRenderer(backend: BackendName): Promise<string | null> {
  if (backend === 'webgpu') {
    const adapter = await webgpuAdapter();
    const info = adapter?.info ?? {};
    const name = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ');
    if (adapter?.isFallbackAdapter || SOFTWARE_RENDERER.test(name)) return name || 'fallback';
  }
  if (backend === 'webgl') {
    const gl = (tf.backend() as unknown as { gpgpu?: { gl?: WebGL2RenderingContext } }).gpgpu?.gl;
    const debug = gl?.getExtension('WEBGL_debug_renderer_info');
    const renderer = gl && debug ? String(gl.getParameter(debug.UNMASKED_RENDERER_WEBGL)) : '';
    if (SOFTWARE_RENDERER.test(renderer)) return renderer;
  }
  return null;
}

async function whyUnavailable(backend: BackendName): Promise<string | null> {
  if (backend === 'webgpu') {
    const gpu = (navigator as Navigator & { gpu?: unknown }).gpu;
    if (!gpu) return 'navigator.gpu is missing (browser without WebGPU, or the flag is off)';
    if (!(await webgpuAdapter())) return 'no WebGPU adapter was found';
  }
  if (backend === 'webgl' && typeof OffscreenCanvas === 'undefined') {
    return 'OffscreenCanvas is missing, so WebGL cannot run in a worker';
  }
  if (backend === 'wasm' && typeof WebAssembly === 'undefined') return 'WebAssembly is missing';
  if (!tf.findBackendFactory(backend)) return `the ${backend} backend is not registered`;
  return null;
}

/** The GPU backends' code loads only when one is tried: most visits never parse it. */
const BACKEND_MODULES: Partial<Record<BackendName, () => Promise<unknown>>> = {
  webgpu: () => import('@tensorflow/tfjs-backend-webgpu'),
  webgl: () => import('@tensorflow/tfjs-backend-webgl'),
};

/** Makes `backend` active and proves it can train; the reason it cannot, or null. */
async function tryBackend(backend: BackendName): Promise<string | null> {
  try {
    await BACKEND_MODULES[backend]?.();
  } catch (error) {
    return `its code did not load: ${(error as Error).message}`;
  }
  const unavailable = await whyUnavailable(backend);
  if (unavailable) return unavailable;
  try {
    if (!(await tf.setBackend(backend))) return 'initialisation failed (setBackend returned false)';
    await tf.ready();
    if (backend === 'wasm') await startKernelThreadsOn(backendMemory(tf.engine().backend));
    await convGradientCheck();
    return null;
  } catch (error) {
    return `init error: ${(error as Error).message}`;
  }
}

export interface BackendChoice {
  backend: BackendName;
  skipped: SkippedBackend[];
  /** e.g. "SIMD, 2 threads" for wasm, the renderer for a software GPU */
  detail?: string;
}

async function describe(backend: BackendName, renderer: string | null) {
  if (backend === 'wasm') {
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    // the kernels' threads: XNNPACK's pool keeps one (wasmSetup.ts)
    const kernels = kernelThreadsStatus();
    const threads = plannedWasmThreads.count > 1 ? kernels.threads : 1;
    const reason =
      plannedWasmThreads.count === 1
        ? plannedWasmThreads.reason
        : threads === plannedWasmThreads.count
          ? 'cross-origin isolated'
          : `own kernels on ${threads} of ${plannedWasmThreads.count}: ${kernels.note ?? 'starting'}`;
    return `${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'}${reason ? ` (${reason})` : ''}`;
  }
  return renderer ? `software: ${renderer}` : undefined;
}

type Progress = (message: string) => void;

/**
 * A choice remembered from an earlier visit, if it still applies: the fingerprint matches and the
 * backend still trains. Null sends the caller back to a full selection.
 */
export async function rememberedBackend(
  remembered: { backend: BackendName; fingerprint: string },
  fingerprint: string,
  onProgress: Progress = () => {},
): Promise<BackendChoice | null> {
  if (remembered.fingerprint !== fingerprint) return null;
  onProgress(`starting ${remembered.backend}, as chosen on an earlier visit`);
  if (await tryBackend(remembered.backend)) return null;
  const renderer =
    remembered.backend === 'webgpu' || remembered.backend === 'webgl'
      ? await softwareRenderer(remembered.backend)
      : null;
  return {
    backend: remembered.backend,
    skipped: [],
    detail: await describe(remembered.backend, renderer),
  };
}

/**
 * The first backend in `order` that trains. With `forced`, that one is kept whatever its speed;
 * otherwise a software GPU adapter triggers a timed race against the remaining candidates.
 */
export async function selectBackend(
  order: readonly BackendName[],
  forced = false,
  onProgress: Progress = () => {},
): Promise<BackendChoice> {
  const skipped: SkippedBackend[] = [];
  for (let index = 0; index < order.length; index++) {
    const backend = order[index];
    onProgress(`trying ${backend} (${index + 1} of ${order.length})`);
    const failure = await tryBackend(backend);
    if (failure) {
      skipped.push({ backend, reason: failure });
      continue;
    }
    const renderer =
      backend === 'webgpu' || backend === 'webgl' ? await softwareRenderer(backend) : null;
    if (forced || !renderer) return { backend, skipped, detail: await describe(backend, renderer) };
    return race(backend, renderer, order.slice(index + 1), skipped, onProgress);
  }
  throw new Error(
    `no TF.js backend could start: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`,
  );
}

/** Times the software GPU backend and the other candidates (not the cpu one) and keeps the fastest. */
async function race(
  first: BackendName,
  renderer: string,
  rest: readonly BackendName[],
  skipped: SkippedBackend[],
  onProgress: Progress,
): Promise<BackendChoice> {
  onProgress(`${first} runs on a software adapter: timing it on a probe step`);
  const timings: { backend: BackendName; stepMs: number; renderer: string | null }[] = [
    { backend: first, stepMs: await probeStepMs(), renderer },
  ];
  for (const backend of rest.filter((b) => b !== 'cpu')) {
    onProgress(`timing ${backend} on a probe step (${first}: ${timings[0].stepMs.toFixed(0)} ms)`);
    const failure = await tryBackend(backend);
    if (failure) {
      skipped.push({ backend, reason: failure });
      continue;
    }
    const software = backend === 'webgl' ? await softwareRenderer(backend) : null;
    if (backend === 'webgl' && !software) {
      // a real GPU behind WebGL: take it without a race
      skipped.push({
        backend: first,
        reason: `software adapter (${renderer}); WebGL has a hardware renderer`,
      });
      return { backend, skipped, detail: await describe(backend, null) };
    }
    timings.push({ backend, stepMs: await probeStepMs(), renderer: software });
  }
  timings.sort((a, b) => a.stepMs - b.stepMs);
  const [best] = timings;
  for (const slower of timings.slice(1)) {
    const why = slower.renderer ? `software adapter (${slower.renderer}), ` : '';
    skipped.push({
      backend: slower.backend,
      reason: `${why}slower here: ${slower.stepMs.toFixed(0)} ms a probe step vs ${best.stepMs.toFixed(0)} ms on ${best.backend}`,
    });
  }
  if (tf.getBackend() !== best.backend) await tf.setBackend(best.backend);
  return { backend: best.backend, skipped, detail: await describe(best.backend, best.renderer) };
}
