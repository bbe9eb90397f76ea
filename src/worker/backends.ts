// Backend selection inside the worker: try each backend in order and keep the first that both
// initialises and runs a conv gradient. tf.setBackend returns false instead of throwing when
// WebGPU finds no adapter, so the result is checked, never assumed.
import * as tf from '@tensorflow/tfjs';
import type { BackendName, SkippedBackend } from '../protocol';

export const DEFAULT_ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'cpu'];

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

async function whyUnavailable(backend: BackendName): Promise<string | null> {
  if (backend === 'webgpu') {
    const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
    if (!gpu) return 'navigator.gpu is missing (browser without WebGPU, or the flag is off)';
    if (!(await gpu.requestAdapter())) return 'no WebGPU adapter was found';
  }
  if (backend === 'webgl' && typeof OffscreenCanvas === 'undefined') {
    return 'OffscreenCanvas is missing, so WebGL cannot run in a worker';
  }
  if (!tf.findBackendFactory(backend)) return `the ${backend} backend is not registered`;
  return null;
}

export async function selectBackend(
  order: readonly BackendName[],
): Promise<{ backend: BackendName; skipped: SkippedBackend[] }> {
  const skipped: SkippedBackend[] = [];
  for (const backend of order) {
    const unavailable = await whyUnavailable(backend);
    if (unavailable) {
      skipped.push({ backend, reason: unavailable });
      continue;
    }
    try {
      if (!(await tf.setBackend(backend))) {
        skipped.push({ backend, reason: 'initialisation failed (setBackend returned false)' });
        continue;
      }
      await tf.ready();
      await convGradientCheck();
      return { backend, skipped };
    } catch (error) {
      skipped.push({ backend, reason: `init error: ${(error as Error).message}` });
    }
  }
  throw new Error(
    `no TF.js backend could start: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`,
  );
}
