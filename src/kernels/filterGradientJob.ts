// One conv filter gradient for simd/filterGradient.wat, described by plain numbers (heap byte
// offsets and sizes) so that any thread holding the heap can run its share: the images are split
// between threads, each summing its own copy of dW (added up after), or, for fewer images than
// threads, the output channels, each adding into its own columns of dW.
import type { FilterGradientSimd } from './wasmSimd';

export interface FilterGradientJob {
  /**
   * byte offsets into the heap: dW ([kh, kw, channels, outChannels], zeroed, both counts
   * multiples of 4), x ([batch, height, width, xChannels]), dy ([.., dyChannels])
   */
  dw: number;
  x: number;
  dy: number;
  batch: number;
  height: number;
  width: number;
  channels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
  /** byte offset of (threads - 1) zeroed dW-sized buffers for the images' split, or 0 */
  scratch: number;
  /** values per pixel of x and of dy: channels and outChannels, or fewer (see filterTap) */
  xChannels: number;
  dyChannels: number;
}

/** The job's fields in the order they travel in an Int32Array. */
export const JOB_FIELDS = [
  'dw',
  'x',
  'dy',
  'batch',
  'height',
  'width',
  'channels',
  'outHeight',
  'outWidth',
  'outChannels',
  'filterHeight',
  'filterWidth',
  'strideHeight',
  'strideWidth',
  'padTop',
  'padLeft',
  'scratch',
  'xChannels',
  'dyChannels',
] as const satisfies readonly (keyof FilterGradientJob)[];

export function encodeJob(job: FilterGradientJob, into: Int32Array, at: number): void {
  // heap offsets above 2 GiB wrap to negative int32 and back (>>> 0 on decode)
  JOB_FIELDS.forEach((field, i) => (into[at + i] = job[field] | 0));
}

export function decodeJob(from: Int32Array, at: number): FilterGradientJob {
  const job = {} as FilterGradientJob;
  JOB_FIELDS.forEach((field, i) => (job[field] = from[at + i] >>> 0));
  return job;
}

/**
 * The outputs [first, last] of one axis whose filter tap at `offset` reads inside the input
 * (clamped, last = first - 1 when none do: a kernel can outgrow the image).
 */
export function insideRange(offset: number, stride: number, size: number, outSize: number) {
  const first = Math.min(outSize, Math.max(0, Math.ceil(-offset / stride)));
  const last = Math.max(first - 1, Math.min(outSize - 1, Math.floor((size - 1 - offset) / stride)));
  return [first, last];
}

/**
 * Output-channel ranges [begin, end) for `parts` threads, in multiples of 8 where possible (the
 * kernel's wide tile) and of 4 otherwise; a part can be empty.
 */
export function splitOutputChannels(outChannels: number, parts: number): [number, number][] {
  const unit = outChannels % 8 === 0 && outChannels >= 8 * parts ? 8 : 4;
  const units = outChannels / unit;
  return Array.from({ length: parts }, (_, i) => [
    unit * Math.floor((units * i) / parts),
    unit * Math.floor((units * (i + 1)) / parts),
  ]);
}

/** Values in the job's dW. */
export function filterValues(job: FilterGradientJob): number {
  return job.filterHeight * job.filterWidth * job.channels * job.outChannels;
}

/**
 * Part `part` of `parts` of the images' split: its images, adding into dW (part 0) or into its
 * scratch copy; null where it has no images.
 */
export function imageShare(
  job: FilterGradientJob,
  part: number,
  parts: number,
): FilterGradientJob | null {
  const first = Math.floor((job.batch * part) / parts);
  const count = Math.floor((job.batch * (part + 1)) / parts) - first;
  if (count === 0) return null;
  return {
    ...job,
    batch: count,
    x: job.x + 4 * first * job.height * job.width * job.xChannels,
    dy: job.dy + 4 * first * job.outHeight * job.outWidth * job.dyChannels,
    dw: part === 0 ? job.dw : job.scratch + 4 * (part - 1) * filterValues(job),
  };
}

/**
 * Output positions per kernel call: a block of images whose x and dy stay in the L2 cache while
 * every tile of channels passes over them (one 32x32 image, sixteen 8x8 ones).
 */
const POSITIONS_PER_BLOCK = 1024;

/** Adds the job's dW columns [coBegin, coEnd) (multiples of 4), block by block, tap by tap. */
export function runFilterGradientJob(
  simd: FilterGradientSimd,
  job: FilterGradientJob,
  coBegin = 0,
  coEnd = job.outChannels,
): void {
  if (coBegin >= coEnd) return;
  const { batch, height, width, channels, outHeight, outWidth, outChannels } = job;
  const { filterHeight, filterWidth, strideHeight, strideWidth, padTop, padLeft } = job;
  const block = Math.max(1, Math.floor(POSITIONS_PER_BLOCK / (outHeight * outWidth)));
  for (let first = 0; first < batch; first += block) {
    const images = Math.min(block, batch - first);
    for (let kh = 0; kh < filterHeight; kh++) {
      const [firstOy, lastOy] = insideRange(kh - padTop, strideHeight, height, outHeight);
      for (let kw = 0; kw < filterWidth; kw++) {
        const [firstOx, lastOx] = insideRange(kw - padLeft, strideWidth, width, outWidth);
        simd.filterTap(
          job.dw + 4 * (kh * filterWidth + kw) * channels * outChannels,
          job.x + 4 * first * height * width * job.xChannels,
          job.dy + 4 * first * outHeight * outWidth * job.dyChannels,
          images,
          channels,
          height,
          width,
          outChannels,
          outHeight,
          outWidth,
          strideHeight,
          strideWidth,
          kh - padTop,
          kw - padLeft,
          firstOy,
          lastOy,
          firstOx,
          lastOx,
          coBegin,
          coEnd,
          job.xChannels,
          job.dyChannels,
        );
      }
    }
  }
}
