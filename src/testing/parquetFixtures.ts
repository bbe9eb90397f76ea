// Tiny Hugging Face-style CIFAR parquet files (img struct of PNG bytes + integer labels) and a
// Node PNG decoder for the images this project's encoder writes (8-bit RGB, filter 0).
import { parquetWriteBuffer } from 'hyparquet-writer';
import { inflateSync } from 'node:zlib';
import { encodePng } from '../../scripts/lib/png';
import type { PngDecoder } from '../data/parquetCifar';

/** A 32x32 RGB image whose pixels depend on (seed, row, col, channel). */
export function fixtureImage(seed: number): Uint8Array {
  return Uint8Array.from({ length: 32 * 32 * 3 }, (_, i) => (i * 11 + seed * 37) % 256);
}

export function cifarParquet(labelColumns: Record<string, number[]>, seeds: number[]): ArrayBuffer {
  const names = Object.keys(labelColumns);
  return parquetWriteBuffer({
    columnData: [
      {
        name: 'img',
        data: seeds.map((seed) => ({
          bytes: new Uint8Array(encodePng(32, 32, fixtureImage(seed))),
          path: `${seed}.png`,
        })),
      },
      ...names.map((name) => ({ name, data: labelColumns[name].map((v) => BigInt(v)) })),
    ],
    schema: [
      { name: 'schema', num_children: 1 + names.length },
      { name: 'img', repetition_type: 'OPTIONAL', num_children: 2 },
      { name: 'bytes', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' },
      { name: 'path', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      ...names.map((name) => ({
        name,
        type: 'INT64' as const,
        repetition_type: 'OPTIONAL' as const,
      })),
    ],
  } as Parameters<typeof parquetWriteBuffer>[0]);
}

export const decodePngInNode: PngDecoder = async (png) => {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const idat: Uint8Array[] = [];
  for (let at = 8; at < png.length;) {
    const length = view.getUint32(at);
    const type = new TextDecoder().decode(png.subarray(at + 4, at + 8));
    if (type === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + length));
    at += length + 12;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    if (raw[y * (width * 3 + 1)] !== 0) throw new Error('test decoder: only filter 0 rows');
    for (let x = 0; x < width; x++) {
      const from = y * (width * 3 + 1) + 1 + x * 3;
      rgba.set([raw[from], raw[from + 1], raw[from + 2], 255], (y * width + x) * 4);
    }
  }
  return { width, height, rgba };
};
