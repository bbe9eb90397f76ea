// Loads this project's hand-written SIMD kernels (src/kernels/simd/*.wat) into TF.js's wasm
// backend: each module imports the backend's own WebAssembly.Memory, so the kernels read and
// write tensors where they lie. The threaded build's heap is a shared memory, which needs the
// module's shared-memory variant. Where WebAssembly SIMD is missing, or the backend's memory
// cannot be found, callers get null and keep their JavaScript loops.
import type * as tf from '@tensorflow/tfjs';
import { SIMD_WASM } from './simd/kernels.wasm';

/** The exports of batchNorm.wat; pointers are byte offsets into the heap. */
export interface BatchNormSimd {
  moments(
    a: number,
    ca: number,
    b: number,
    cb: number,
    pixels: number,
    channels: number,
    out: number,
  ): void;
  scaleShift(
    out: number,
    a: number,
    ca: number,
    ka: number,
    m: number,
    pixels: number,
    channels: number,
  ): void;
  scaleShift2(
    out: number,
    a: number,
    ka: number,
    b: number,
    cb: number,
    kb: number,
    m: number,
    pixels: number,
    channels: number,
  ): void;
}

/** The export of filterGradient.wat: one filter tap's block of dW, added to in place. */
export interface FilterGradientSimd {
  filterTap(
    dw: number,
    x: number,
    dy: number,
    images: number,
    channels: number,
    height: number,
    width: number,
    outChannels: number,
    outHeight: number,
    outWidth: number,
    strideY: number,
    strideX: number,
    offsetY: number,
    offsetX: number,
    firstOy: number,
    lastOy: number,
    firstOx: number,
    lastOx: number,
    coBegin: number,
    coEnd: number,
    xChannels: number,
    dyChannels: number,
  ): void;
}

/** The export of elementwise.wat. */
export interface ElementwiseSimd {
  reluGrad(out: number, dy: number, x: number, count: number): void;
  copyColumns(
    out: number,
    outWidth: number,
    outBegin: number,
    x: number,
    inWidth: number,
    inBegin: number,
    rows: number,
    count: number,
  ): void;
}

/**
 * The export of matmul.wat: c = a b (+ bias, through a ReLU), a read through strides (so a
 * transposed a is free); bias 0 for none, relu 0 or 1.
 */
export interface MatMulSimd {
  product(
    c: number,
    a: number,
    b: number,
    rows: number,
    depth: number,
    cols: number,
    aRowStep: number,
    aDepthStep: number,
    bias: number,
    relu: number,
  ): void;
}

/** The export of conv.wat: output lines of a direct convolution (see the .wat for the packing). */
export interface ConvSimd {
  lines(
    y: number,
    x: number,
    w: number,
    zero: number,
    height: number,
    width: number,
    channels: number,
    outHeight: number,
    outWidth: number,
    outChannels: number,
    bias: number,
    filter: number,
    strides: number,
    pads: number,
    firstLine: number,
    lines: number,
  ): void;
}

/** The export of phases.wat: a strided conv's input-gradient phases interleaved into dx. */
export interface PhasesSimd {
  interleave(
    out: number,
    phases: number,
    images: number,
    phaseRows: number,
    phaseColumns: number,
    stride: number,
    channels: number,
    height: number,
    width: number,
  ): void;
}

/** The parts of tfjs-backend-wasm's Emscripten module used here. */
interface EmscriptenModule {
  HEAPU8: Uint8Array;
  /** Set by the threaded build, which creates its (shared) memory in JavaScript. */
  wasmMemory?: WebAssembly.Memory;
  /** The instance's exports; the single-threaded builds export their memory. */
  asm?: { memory?: WebAssembly.Memory };
}

let enabled = true;

/** Turns the SIMD kernels off (or back on), e.g. to compare them with the JavaScript loops. */
export function setSimdKernelsEnabled(on: boolean): void {
  enabled = on;
}

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

function isShared(memory: WebAssembly.Memory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
}

let relaxedAllowed = true;
/** Whether the last kernel with multiply-adds was instantiated in its relaxed (fused) form. */
export let fusedMultiplyAdd = false;

/** Keeps kernels with fused multiply-adds on their plain form (tests compare the two). */
export function setRelaxedSimdEnabled(on: boolean): void {
  relaxedAllowed = on;
}

/**
 * Instantiates the module `name` over `memory` (its shared variant for a shared memory), or
 * null where this engine cannot (no WebAssembly SIMD, or no shared memory support). A module
 * with fused multiply-adds comes in its relaxed-SIMD form where the engine validates it
 * (Chromium since 114; Node 20 only behind a flag).
 */
export function instantiateSimd<T>(name: string, memory: WebAssembly.Memory): T | null {
  const sources = SIMD_WASM[name];
  if (!sources || typeof WebAssembly !== 'object') return null;
  const pick = (from: { memory: string; sharedMemory: string }) =>
    decode(isShared(memory) ? from.sharedMemory : from.memory);
  const relaxed = relaxedAllowed && sources.relaxed ? pick(sources.relaxed) : null;
  const fused = relaxed !== null && WebAssembly.validate(relaxed);
  if (sources.relaxed) fusedMultiplyAdd = fused;
  const bytes = fused ? relaxed : pick(sources);
  if (!WebAssembly.validate(bytes)) return null;
  try {
    // synchronous: a few KB (engines limit synchronous compiles of large modules on a page's
    // main thread, and kernels must run synchronously)
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
    return instance.exports as unknown as T;
  } catch {
    return null;
  }
}

/** The backend's heap as a WebAssembly.Memory, or null where it is not exposed as expected. */
export function backendMemory(backend: object): WebAssembly.Memory | null {
  const module = (backend as { wasm?: EmscriptenModule }).wasm;
  if (!module?.HEAPU8) return null;
  const memory = module.wasmMemory ?? module.asm?.memory;
  if (typeof WebAssembly !== 'object' || !(memory instanceof WebAssembly.Memory)) return null;
  // the memory the backend's own views read (a shared memory hands out a new buffer object)
  if (isShared(memory)) {
    return memory.buffer.byteLength >= module.HEAPU8.byteLength ? memory : null;
  }
  return memory.buffer === module.HEAPU8.buffer ? memory : null;
}

const instances = new WeakMap<WebAssembly.Memory, Map<string, unknown>>();

function simdFor<T>(name: string, backend: tf.KernelBackend): T | null {
  if (!enabled) return null;
  const memory = backendMemory(backend);
  if (!memory) return null;
  let modules = instances.get(memory);
  if (!modules) instances.set(memory, (modules = new Map()));
  const key = `${name}${relaxedAllowed ? '' : ':plain'}`;
  if (!modules.has(key)) modules.set(key, instantiateSimd<T>(name, memory));
  return modules.get(key) as T | null;
}

/** The batch-norm kernels over this wasm backend's heap, or null (use the JavaScript loops). */
export function batchNormSimd(backend: tf.KernelBackend): BatchNormSimd | null {
  return simdFor<BatchNormSimd>('batchNorm', backend);
}

/** The direct filter-gradient kernel over this wasm backend's heap, or null (use im2col). */
export function filterGradientSimd(backend: tf.KernelBackend): FilterGradientSimd | null {
  return simdFor<FilterGradientSimd>('filterGradient', backend);
}

/** The fused element-wise passes over this wasm backend's heap, or null (use TF.js's ops). */
export function elementwiseSimd(backend: tf.KernelBackend): ElementwiseSimd | null {
  return simdFor<ElementwiseSimd>('elementwise', backend);
}

/** The phase interleave over this wasm backend's heap, or null (keep the zero-dilated route). */
export function phasesSimd(backend: tf.KernelBackend): PhasesSimd | null {
  return simdFor<PhasesSimd>('phases', backend);
}

/** The small matrix product over this wasm backend's heap, or null (use XNNPACK's). */
export function matMulSimd(backend: tf.KernelBackend): MatMulSimd | null {
  return simdFor<MatMulSimd>('matmul', backend);
}

/** The direct convolution over this wasm backend's heap, or null (use XNNPACK's). */
export function convSimd(backend: tf.KernelBackend): ConvSimd | null {
  return simdFor<ConvSimd>('conv', backend);
}
