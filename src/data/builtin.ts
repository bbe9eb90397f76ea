// The built-in offline dataset: ten classes of procedurally drawn shapes and textures in random
// colours, positions, scales, contrast and noise. Deterministic from a seed, so every classroom
// machine sees the same images, and hard enough that a small net climbs over several epochs.
import { CHANNELS, type ImageDataset, type Split } from './dataset';
import { Random } from '../lowrank/random';

export const BUILTIN_CLASSES = [
  'horizontal stripes',
  'vertical stripes',
  'diagonal stripes',
  'checkerboard',
  'disc',
  'ring',
  'square',
  'cross',
  'triangle',
  'blobs',
] as const;

export interface BuiltinOptions {
  seed: number;
  trainCount: number;
  testCount: number;
  /** side of the square images in pixels (32 like CIFAR, or smaller for micro presets) */
  size: number;
}

export const BUILTIN_DEFAULTS: BuiltinOptions = {
  seed: 1,
  trainCount: 10_000,
  testCount: 2_000,
  size: 32,
};

/** Coverage of the foreground at (x, y) in [0, 1]^2 for one class, with random parameters. */
type Mask = (x: number, y: number) => number;

/** Math.hypot is several times slower in V8, and this runs for every pixel. */
function distance(dx: number, dy: number): number {
  return Math.sqrt(dx * dx + dy * dy);
}

/** Smooth 0-1 step of width `soft` around 0: anti-aliased edges. */
function edge(distance: number, soft: number): number {
  return Math.min(1, Math.max(0, 0.5 - distance / soft));
}

function stripes(random: Random, angle: number): Mask {
  const cycles = random.uniform(2, 5.5);
  const phase = random.uniform(0, 2 * Math.PI);
  const duty = random.uniform(-0.3, 0.3);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  return (x, y) => (Math.sin(2 * Math.PI * cycles * (x * cos + y * sin) + phase) > duty ? 1 : 0);
}

function maskFor(label: number, random: Random, soft: number): Mask {
  const cx = random.uniform(0.3, 0.7);
  const cy = random.uniform(0.3, 0.7);
  const scale = random.uniform(0.18, 0.4);
  const jitter = random.uniform(-0.25, 0.25);
  switch (label) {
    case 0:
      return stripes(random, Math.PI / 2 + jitter * 0.5);
    case 1:
      return stripes(random, jitter * 0.5);
    case 2:
      return stripes(random, (random.next() < 0.5 ? 1 : 3) * (Math.PI / 4) + jitter * 0.4);
    case 3: {
      const cells = random.uniform(2, 5);
      const ox = random.next();
      const oy = random.next();
      return (x, y) => (Math.floor((x + ox) * cells) + Math.floor((y + oy) * cells)) % 2;
    }
    case 4:
      return (x, y) => edge(distance(x - cx, y - cy) - scale, soft);
    case 5: {
      const width = scale * random.uniform(0.25, 0.45);
      return (x, y) => edge(Math.abs(distance(x - cx, y - cy) - scale) - width / 2, soft);
    }
    case 6: {
      const cos = Math.cos(jitter);
      const sin = Math.sin(jitter);
      return (x, y) => {
        const u = (x - cx) * cos + (y - cy) * sin;
        const v = -(x - cx) * sin + (y - cy) * cos;
        return edge(Math.max(Math.abs(u), Math.abs(v)) - scale * 0.85, soft);
      };
    }
    case 7: {
      const arm = scale * random.uniform(0.22, 0.35);
      return (x, y) => {
        const u = Math.abs(x - cx);
        const v = Math.abs(y - cy);
        const horizontal = Math.max(u - scale, v - arm);
        const vertical = Math.max(v - scale, u - arm);
        return edge(Math.min(horizontal, vertical), soft);
      };
    }
    case 8: {
      const rotation = random.next() < 0.5 ? 0 : Math.PI;
      const corners = [0, 1, 2].map((k) => {
        const a = rotation + jitter - Math.PI / 2 + (k * 2 * Math.PI) / 3;
        return [cx + scale * 1.2 * Math.cos(a), cy + scale * 1.2 * Math.sin(a)];
      });
      // each edge as (ax, ay, unit direction); signed distance is positive outside
      const edges = [0, 1, 2].map((k) => {
        const [ax, ay] = corners[k];
        const [bx, by] = corners[(k + 1) % 3];
        const length = distance(bx - ax, by - ay);
        return [ax, ay, (bx - ax) / length, (by - ay) / length];
      });
      return (x, y) => {
        let outside = -Infinity;
        for (const [ax, ay, ux, uy] of edges) {
          outside = Math.max(outside, uy * (x - ax) - ux * (y - ay));
        }
        return edge(outside, soft);
      };
    }
    case 9: {
      const blobs = Array.from({ length: 3 + random.int(4) }, () => ({
        x: random.next(),
        y: random.next(),
        r: random.uniform(0.06, 0.16),
      }));
      return (x, y) => {
        let field = 0;
        for (const b of blobs)
          field += Math.exp(-((x - b.x) ** 2 + (y - b.y) ** 2) / (2 * b.r * b.r));
        return edge(0.5 - field, 0.15);
      };
    }
    default:
      throw new Error(`built-in dataset has no class ${label}`);
  }
}

/** Standard normal samples drawn once: per-pixel Box-Muller dominated the generation time. */
const NORMAL_TABLE_SIZE = 1 << 14;
function normalTable(random: Random): Float32Array {
  return Float32Array.from({ length: NORMAL_TABLE_SIZE }, () => random.normal());
}

function randomColour(random: Random): number[] {
  return [random.next(), random.next(), random.next()];
}

function drawImage(
  out: Uint8ClampedArray,
  offset: number,
  label: number,
  size: number,
  random: Random,
  normals: Float32Array,
): void {
  const soft = 1.5 / size;
  const mask = maskFor(label, random, soft);
  const background = randomColour(random);
  let foreground = randomColour(random);
  // keep the two colours distinguishable, else the image carries no label information
  while (Math.hypot(...foreground.map((f, c) => f - background[c])) < 0.35)
    foreground = randomColour(random);
  const contrast = random.uniform(0.45, 1);
  const noise = random.uniform(0.02, 0.14);
  const gradient = [random.uniform(-0.2, 0.2), random.uniform(-0.2, 0.2)];
  let noiseIndex = random.int(NORMAL_TABLE_SIZE);
  const noiseStride = 1 + 2 * random.int(NORMAL_TABLE_SIZE / 2);
  const wrap = NORMAL_TABLE_SIZE - 1;
  // the channels unrolled into locals (the same arithmetic in the same order, so the same pixels):
  // this loop runs 12 million times for the set a visit opens on
  const [r0, g0, b0] = background;
  const [dr, dg, db] = foreground.map((f, c) => f - background[c]);
  const [gx, gy] = gradient;
  for (let row = 0; row < size; row++) {
    const y = (row + 0.5) / size;
    for (let col = 0; col < size; col++) {
      const x = (col + 0.5) / size;
      const coverage = mask(x, y) * contrast;
      const shade = gx * (x - 0.5) + gy * (y - 0.5);
      const at = offset + (row * size + col) * CHANNELS;
      noiseIndex = (noiseIndex + noiseStride) & wrap;
      out[at] = (r0 + coverage * dr + shade + noise * normals[noiseIndex]) * 255;
      noiseIndex = (noiseIndex + noiseStride) & wrap;
      out[at + 1] = (g0 + coverage * dg + shade + noise * normals[noiseIndex]) * 255;
      noiseIndex = (noiseIndex + noiseStride) & wrap;
      out[at + 2] = (b0 + coverage * db + shade + noise * normals[noiseIndex]) * 255;
    }
  }
}

function generateSplit(count: number, size: number, random: Random): Split {
  const imageBytes = size * size * CHANNELS;
  const images = new Uint8Array(count * imageBytes);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    // balanced classes, in random order
    labels[i] = i % BUILTIN_CLASSES.length;
  }
  const order = random.permutation(count);
  const normals = normalTable(random);
  // a clamped view rounds and clips to 0-255 on write, which is what the pixels need
  const clamped = new Uint8ClampedArray(images.buffer);
  const shuffled = Uint8Array.from(order, (i) => labels[i]);
  for (let i = 0; i < count; i++)
    drawImage(clamped, i * imageBytes, shuffled[i], size, random, normals);
  return { images, labels: shuffled, count };
}

export function generateBuiltin(options: Partial<BuiltinOptions> = {}): ImageDataset {
  const { seed, trainCount, testCount, size } = { ...BUILTIN_DEFAULTS, ...options };
  for (const [name, value] of Object.entries({ trainCount, testCount, size })) {
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`built-in dataset: ${name} must be a positive integer, got ${value}`);
  }
  if (size < 8) throw new Error(`built-in dataset: size must be at least 8 pixels, got ${size}`);
  return {
    kind: 'builtin',
    name: `Built-in shapes ${size}x${size}`,
    classNames: [...BUILTIN_CLASSES],
    height: size,
    width: size,
    train: generateSplit(trainCount, size, new Random(seed * 2 + 1)),
    test: generateSplit(testCount, size, new Random(seed * 2 + 2)),
  };
}
