import { Worker as NodeWorker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { maxRelativeError, randomValues } from '../testing/tensors';
import {
  filterValues,
  insideRange,
  runFilterGradientJob,
  splitOutputChannels,
  type FilterGradientJob,
} from './filterGradientJob';
import { startKernelThreads, type KernelThreadPool } from './kernelThreads';
import {
  fusedMultiplyAdd,
  instantiateSimd,
  setRelaxedSimdEnabled,
  type FilterGradientSimd,
} from './wasmSimd';

/** dW by the definition, in float64 (zero in the rows and columns past x's and dy's channels). */
function referenceGradient(job: FilterGradientJob, x: Float32Array, dy: Float32Array) {
  const { batch, height, width, channels, outHeight, outWidth, outChannels } = job;
  const { xChannels, dyChannels } = job;
  const dw = new Float64Array(filterValues(job));
  for (let kh = 0; kh < job.filterHeight; kh++)
    for (let kw = 0; kw < job.filterWidth; kw++)
      for (let n = 0; n < batch; n++)
        for (let oy = 0; oy < outHeight; oy++)
          for (let ox = 0; ox < outWidth; ox++) {
            const y = oy * job.strideHeight + kh - job.padTop;
            const xx = ox * job.strideWidth + kw - job.padLeft;
            if (y < 0 || y >= height || xx < 0 || xx >= width) continue;
            for (let ci = 0; ci < xChannels; ci++) {
              const value = x[((n * height + y) * width + xx) * xChannels + ci];
              const row = ((kh * job.filterWidth + kw) * channels + ci) * outChannels;
              const dyAt = ((n * outHeight + oy) * outWidth + ox) * dyChannels;
              for (let co = 0; co < dyChannels; co++) dw[row + co] += value * dy[dyAt + co];
            }
          }
  return dw;
}

/** A job over a fresh heap of `memory`: x at 0, dy after it, dW (zeroed) after that. */
function jobOnHeap(
  memory: WebAssembly.Memory,
  shape: Omit<FilterGradientJob, 'dw' | 'x' | 'dy' | 'scratch' | 'xChannels' | 'dyChannels'>,
  pixels: { xChannels?: number; dyChannels?: number } = {},
) {
  const { batch, height, width, channels, outHeight, outWidth, outChannels } = shape;
  const { xChannels = channels, dyChannels = outChannels } = pixels;
  const x = randomValues(batch * height * width * xChannels, 7);
  const dy = randomValues(batch * outHeight * outWidth * dyChannels, 8);
  const job: FilterGradientJob = {
    ...shape,
    x: 64,
    dy: 64 + 4 * x.length,
    dw: 0,
    scratch: 0,
    xChannels,
    dyChannels,
  };
  job.dw = job.dy + 4 * dy.length;
  const size = filterValues(job);
  const heap = new Float32Array(memory.buffer);
  heap.set(x, job.x / 4);
  heap.set(dy, job.dy / 4);
  const dw = () => heap.slice(job.dw / 4, job.dw / 4 + size);
  const clear = () => heap.fill(0, job.dw / 4, job.dw / 4 + size);
  return { job, x, dy, dw, clear };
}

const same = (size: number, channels: number, outChannels: number, stride: number) => {
  const out = Math.ceil(size / stride);
  const pad = Math.max(0, Math.floor(((out - 1) * stride + 3 - size) / 2));
  return {
    batch: 3,
    height: size,
    width: size,
    channels,
    outHeight: out,
    outWidth: out,
    outChannels,
    filterHeight: 3,
    filterWidth: 3,
    strideHeight: stride,
    strideWidth: stride,
    padTop: pad,
    padLeft: pad,
  };
};

describe('direct filter gradient (simd/filterGradient.wat)', () => {
  afterAll(() => setRelaxedSimdEnabled(true));

  it('splits output channels into whole tiles that cover them once', () => {
    expect(splitOutputChannels(16, 2)).toEqual([
      [0, 8],
      [8, 16],
    ]);
    expect(splitOutputChannels(12, 2)).toEqual([
      [0, 4],
      [4, 12],
    ]);
    expect(splitOutputChannels(4, 3)).toEqual([
      [0, 0],
      [0, 0],
      [0, 4],
    ]);
    for (const [channels, parts] of [
      [64, 3],
      [20, 4],
      [1024, 7],
    ]) {
      const ranges = splitOutputChannels(channels, parts);
      expect(ranges[0][0]).toBe(0);
      expect(ranges[parts - 1][1]).toBe(channels);
      ranges.slice(1).forEach(([begin], i) => expect(begin).toBe(ranges[i][1]));
      ranges.forEach(([begin, end]) => expect([begin % 4, end % 4]).toEqual([0, 0]));
    }
    expect(insideRange(-1, 1, 8, 8)).toEqual([1, 7]);
    expect(insideRange(1, 2, 8, 4)).toEqual([0, 3]);
  });

  // stride 1 and 2, a 4-wide tail tile (12 outputs), taps outside small images
  const CASES = [same(8, 16, 16, 1), same(9, 8, 12, 2), same(2, 4, 20, 1), same(5, 12, 8, 2)];
  it.each(
    CASES.flatMap((c) => [false, true].map((shared) => [JSON.stringify(c), shared, c] as const)),
  )(
    'matches the float64 definition, whole or split by output channels, fused or not: %s (shared memory: %s)',
    (_, shared, shape) => {
      const memory = new WebAssembly.Memory(
        shared ? { initial: 32, maximum: 65536, shared: true } : { initial: 32 },
      );
      const { job, x, dy, dw, clear } = jobOnHeap(memory, shape);
      // guard values after dW: the kernel writes nothing past it
      const size = filterValues(job);
      const guard = new Float32Array(memory.buffer, job.dw + 4 * size, 16);
      guard.fill(-7);
      const expected = referenceGradient(job, x, dy);
      const results: Float32Array[] = [];
      for (const relaxed of [true, false]) {
        setRelaxedSimdEnabled(relaxed);
        const simd = instantiateSimd<FilterGradientSimd>('filterGradient', memory)!;
        clear();
        runFilterGradientJob(simd, job);
        results.push(dw());
        clear();
        for (const [begin, end] of splitOutputChannels(job.outChannels, 3)) {
          runFilterGradientJob(simd, job, begin, end);
        }
        // each column sums the same products in the same order however the channels are split
        expect(dw()).toEqual(results[results.length - 1]);
      }
      for (const result of results) expect(maxRelativeError(result, expected)).toBeLessThan(1e-5);
      expect(Array.from(guard)).toEqual(new Array(16).fill(-7));
    },
  );

  it.each([
    [same(8, 4, 8, 1), 3, 5],
    [same(9, 8, 4, 2), 6, 1],
    [same(5, 4, 12, 1), 1, 9],
  ])(
    'reads pixels with fewer channels than their tiles (the rest only in dW padding): %j, %i in, %i out',
    (shape, xChannels, dyChannels) => {
      const memory = new WebAssembly.Memory({ initial: 32 });
      const { job, x, dy, dw, clear } = jobOnHeap(memory, shape, { xChannels, dyChannels });
      const simd = instantiateSimd<FilterGradientSimd>('filterGradient', memory)!;
      clear();
      runFilterGradientJob(simd, job);
      const [expected, actual] = [referenceGradient(job, x, dy), dw()];
      const kept = (values: ArrayLike<number>) =>
        Array.from(values).filter(
          (_, i) =>
            i % job.outChannels < dyChannels &&
            Math.floor(i / job.outChannels) % job.channels < xChannels,
        );
      expect(maxRelativeError(kept(actual), kept(expected))).toBeLessThan(1e-5);
    },
  );

  it('runs the fused form where the engine has relaxed SIMD (Node with the tests flag)', () => {
    setRelaxedSimdEnabled(true);
    instantiateSimd('filterGradient', new WebAssembly.Memory({ initial: 1 }));
    const flagged = process.execArgv.includes('--experimental-wasm-relaxed-simd');
    if (!flagged) console.warn('relaxed SIMD flag missing: only the plain form was tested');
    expect(fusedMultiplyAdd).toBe(flagged);
  });
});

describe('kernel helper threads over a shared heap', () => {
  const pools: KernelThreadPool[] = [];
  afterAll(() => pools.forEach((pool) => pool.terminate()));

  it('start, report ready, and share a job with the caller for the same dW', async () => {
    const memory = new WebAssembly.Memory({ initial: 64, maximum: 1024, shared: true });
    // the helper is TypeScript: the worker registers tsx's loader before importing it
    const helper = JSON.stringify(new URL('../testing/kernelThreadNode.ts', import.meta.url).href);
    const spawn = () =>
      new NodeWorker(
        `import('tsx/esm/api').then(({ register }) => { register(); return import(${helper}); })`,
        { eval: true },
      ) as unknown as Worker;
    const pool = startKernelThreads(memory, 2, spawn);
    pools.push(pool);
    for (let waited = 0; pool.threads === 1 && waited < 30_000; waited += 20) {
      await new Promise((done) => setTimeout(done, 20));
    }
    expect(pool.threads).toBe(3);
    const { job, dw, clear } = jobOnHeap(memory, same(8, 16, 24, 1));
    const simd = instantiateSimd<FilterGradientSimd>('filterGradient', memory)!;
    clear();
    runFilterGradientJob(simd, job);
    const alone = dw();
    // the output channels split: bit for bit the same sums
    for (let run = 0; run < 3; run++) {
      clear();
      pool.runFilterGradient(simd, job);
      expect(dw()).toEqual(alone);
    }
    // the images split: each helper sums its images into its own copy, added in after
    const size = alone.length;
    const scratch = job.dw + 4 * size;
    const heap = new Float32Array(memory.buffer);
    for (let run = 0; run < 3; run++) {
      clear();
      heap.fill(0, scratch / 4, scratch / 4 + 2 * size);
      pool.runFilterGradient(simd, { ...job, scratch });
      expect(maxRelativeError(dw(), alone)).toBeLessThan(1e-6);
    }
    expect(pool.failure).toBeNull();
  });
});
