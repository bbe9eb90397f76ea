// TF.js's WebGPU backend under Node, through Dawn's Node binding (the `webgpu` package): the GPU
// globals and navigator.gpu the backend looks for, installed before the backend is imported.
import * as tf from '@tensorflow/tfjs';

export interface GpuAdapterFacts {
  vendor: string;
  architecture: string;
  description: string;
  fallback: boolean;
}

let adapterFacts: GpuAdapterFacts | null = null;

/** Installs WebGPU for Node and registers TF.js's webgpu backend; the adapter it will use. */
export async function installNodeWebgpu(): Promise<GpuAdapterFacts> {
  if (adapterFacts) return adapterFacts;
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  const gpu = create([]) as GPU;
  const holder = globalThis as { navigator?: object };
  if (holder.navigator) Object.defineProperty(holder.navigator, 'gpu', { value: gpu });
  else holder.navigator = { gpu };
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter)
    throw new Error(
      'no WebGPU adapter: Dawn found no Vulkan device (is a Vulkan driver and libvulkan.so.1 installed?)',
    );
  const info = adapter.info;
  adapterFacts = {
    vendor: info.vendor,
    architecture: info.architecture,
    description: info.description,
    fallback: (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false,
  };
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!tf.findBackendFactory('webgpu'))
    throw new Error('TF.js did not register its webgpu backend (navigator.gpu was not seen)');
  return adapterFacts;
}

export function describeAdapter(facts: GpuAdapterFacts): string {
  const name = [facts.vendor, facts.architecture, facts.description].filter(Boolean).join(' ');
  return `${name || 'unnamed adapter'}${facts.fallback ? ' (fallback)' : ''}`;
}
