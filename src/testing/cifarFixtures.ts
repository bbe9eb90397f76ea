// Builds tiny CIFAR files and archives in the official binary formats, for tests.
import type { SourceFile } from '../data/cifar';

export function cifar10Records(labels: number[], seed: number): Uint8Array {
  const out = new Uint8Array(labels.length * 3073);
  labels.forEach((label, i) => {
    out[i * 3073] = label;
    for (let p = 0; p < 3072; p++) out[i * 3073 + 1 + p] = (p * 7 + i * 13 + seed) % 256;
  });
  return out;
}

export function cifar100Records(coarse: number[], fine: number[], seed: number): Uint8Array {
  const out = new Uint8Array(coarse.length * 3074);
  coarse.forEach((c, i) => {
    out[i * 3074] = c;
    out[i * 3074 + 1] = fine[i];
    for (let p = 0; p < 3072; p++) out[i * 3074 + 2 + p] = (p * 3 + i * 29 + seed) % 256;
  });
  return out;
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = new TextEncoder().encode(body).length;
  length += String(length + String(length).length).length;
  return `${length}${body}`;
}

/**
 * A ustar archive of the given files (what `tar cf` writes); with `pax`, each name that is not
 * plain ASCII goes in a pax header before its entry, as Python's tarfile and bsdtar write it.
 */
export function tarArchive(files: Record<string, Uint8Array>, pax = false): Uint8Array {
  const blocks: Uint8Array[] = [];
  const encoder = new TextEncoder();
  const entries = Object.entries(files).flatMap(([path, data]) =>
    pax && /[^\x20-\x7e]/.test(path)
      ? [
          { path: 'PaxHeader', data: encoder.encode(paxRecord('path', path)), type: 'x' },
          { path: 'ascii-name', data, type: '0' },
        ]
      : [{ path, data, type: '0' }],
  );
  for (const { path, data, type } of entries) {
    const header = new Uint8Array(512);
    header.set(encoder.encode(path), 0);
    header.set(encoder.encode(octal(0o644, 8)), 100);
    header.set(encoder.encode(octal(0, 8)), 108);
    header.set(encoder.encode(octal(0, 8)), 116);
    header.set(encoder.encode(octal(data.length, 12)), 124);
    header.set(encoder.encode(octal(0, 12)), 136);
    header.set(encoder.encode('        '), 148);
    header[156] = type.charCodeAt(0);
    header.set(encoder.encode('ustar\0' + '00'), 257);
    const checksum = header.reduce((a, b) => a + b, 0);
    header.set(encoder.encode(octal(checksum, 7) + ' '), 148);
    blocks.push(header, data, new Uint8Array((512 - (data.length % 512)) % 512));
  }
  blocks.push(new Uint8Array(1024));
  const out = new Uint8Array(blocks.reduce((n, b) => n + b.length, 0));
  blocks.reduce((at, b) => (out.set(b, at), at + b.length), 0);
  return out;
}

export async function gzip(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as BlobPart]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A SourceFile over bytes, delivered in small chunks to exercise the streaming parsers. */
export function sourceFile(name: string, data: Uint8Array, chunkSize = 1000): SourceFile {
  return {
    name,
    stream: () =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < data.length; i += chunkSize) {
            controller.enqueue(data.slice(i, i + chunkSize));
          }
          controller.close();
        },
      }),
  };
}

/** A complete tiny CIFAR-10 release: 5 train batches of 3 images, a test batch of 4. */
export function cifar10Files(): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {
    'cifar-10-batches-bin/batches.meta.txt': new TextEncoder().encode(
      'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n',
    ),
  };
  for (let b = 1; b <= 5; b++) {
    files[`cifar-10-batches-bin/data_batch_${b}.bin`] = cifar10Records([b, (b + 3) % 10, 9], b);
  }
  files['cifar-10-batches-bin/test_batch.bin'] = cifar10Records([0, 1, 2, 3], 99);
  files['cifar-10-batches-bin/readme.html'] = new TextEncoder().encode('<html></html>');
  return files;
}
