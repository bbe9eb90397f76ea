// WebGPU reports a rejected shader or binding as an event on the device, which TF.js never
// listens to: training would go on with a kernel that did nothing. These errors are reported.
import * as tf from '@tensorflow/tfjs';

const watched = new WeakSet<object>();

/** Calls `report` with each WebGPU error of the active webgpu backend's device (once per device). */
export function watchGpuErrors(report: (message: string) => void): void {
  if (tf.getBackend() !== 'webgpu') return;
  const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
  if (!device || watched.has(device)) return;
  watched.add(device);
  device.addEventListener('uncapturederror', (event) => {
    const message = (event as GPUUncapturedErrorEvent).error.message.split('\n')[0];
    report(`the GPU rejected a TF.js kernel, so results are wrong: ${message}`);
  });
}
