// What this project's wasm kernels need of TF.js's wasm backend: tensors on its heap, outputs it
// allocates, and its own kernels called directly (as the backend's kernels call each other).
import * as tf from '@tensorflow/tfjs';

type TensorInfo = tf.TensorInfo;

export interface WasmBackendLike extends tf.KernelBackend {
  disposeData(dataId: object, force?: boolean): boolean;
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): tf.TypedArray;
}

/** A tensor's byte offset in the heap, for the SIMD kernels (take it after any allocation). */
export const pointerOf = (backend: WasmBackendLike, info: TensorInfo) =>
  backend.typedArrayFromHeap(info).byteOffset;

/** Calls the wasm backend's kernels directly (as its own kernels do) and frees intermediates. */
export class KernelCalls {
  private readonly temporaries: TensorInfo[] = [];

  constructor(readonly backend: WasmBackendLike) {}

  /** Frees `info` with the other intermediates at finish. */
  track(info: TensorInfo): TensorInfo {
    this.temporaries.push(info);
    return info;
  }

  run(kernelName: string, inputs: Record<string, TensorInfo>, attrs: object = {}): TensorInfo {
    const kernel = tf.getKernel(kernelName, 'wasm');
    if (!kernel) throw new Error(`the wasm backend has no ${kernelName} kernel`);
    const out = kernel.kernelFunc({
      inputs,
      backend: this.backend,
      attrs: attrs as tf.NamedAttrMap,
    }) as TensorInfo;
    this.temporaries.push(out);
    return out;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  /** x with zeros appended to its last axis up to `size` values (itself when it has them). */
  padLastAxis(x: TensorInfo, size: number): TensorInfo {
    const extra = size - x.shape[x.shape.length - 1];
    if (extra === 0) return x;
    const paddings = x.shape.map((_, axis) => (axis === x.shape.length - 1 ? [0, extra] : [0, 0]));
    return this.run('PadV2', { x }, { paddings, constantValue: 0 });
  }

  /** x with its last two axes swapped. */
  swapLastAxes(x: TensorInfo): TensorInfo {
    const perm = x.shape.map((_, i) => i);
    const last = perm.length - 1;
    [perm[last - 1], perm[last]] = [last, last - 1];
    return this.transpose(x, perm);
  }

  /** Frees every intermediate except the result (all of them when there is none). */
  finish<T extends TensorInfo | null>(result: T): T {
    for (const info of this.temporaries) {
      if (info !== result) this.backend.disposeData(info.dataId);
    }
    return result;
  }
}

/** Puts `kernelFunc` in place of the wasm backend's own kernel, which it may still call. */
export function replaceWasmKernel(
  kernelName: string,
  kernelFunc: (
    args: Parameters<tf.KernelFunc>[0],
    native: tf.KernelConfig,
  ) => ReturnType<tf.KernelFunc>,
): void {
  const native = tf.getKernel(kernelName, 'wasm')!;
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({
    kernelName,
    backendName: 'wasm',
    setupFunc: native.setupFunc,
    kernelFunc: (args) => kernelFunc(args, native),
  });
}
