// Byte-stream helpers the archive readers share: sniffing a format from the first bytes, undoing
// gzip with the platform's DecompressionStream, and piping into a sink.
import type { ByteSink } from './tar';

/** Splits off the first bytes of a stream to sniff its format, and returns a stream of the whole. */
export async function peek(
  stream: ReadableStream<Uint8Array>,
  bytes: number,
): Promise<{ head: Uint8Array; whole: ReadableStream<Uint8Array> }> {
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let have = 0;
  let done = false;
  while (have < bytes) {
    const result = await reader.read();
    if (result.done) {
      done = true;
      break;
    }
    parts.push(result.value);
    have += result.value.length;
  }
  const head = new Uint8Array(have);
  parts.reduce((at, part) => (head.set(part, at), at + part.length), 0);
  const whole = new ReadableStream<Uint8Array>({
    start(controller) {
      if (head.length) controller.enqueue(head);
      if (done) controller.close();
    },
    async pull(controller) {
      const result = await reader.read();
      if (result.done) controller.close();
      else controller.enqueue(result.value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return { head: head.subarray(0, Math.min(have, bytes)), whole };
}

export async function pipeAll(stream: ReadableStream<Uint8Array>, sink: ByteSink): Promise<void> {
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    sink.write(value);
  }
  await sink.end();
}

export function looksLikeHtml(head: Uint8Array): boolean {
  const text = new TextDecoder().decode(head.subarray(0, 256)).trimStart().toLowerCase();
  return text.startsWith('<!doctype html') || text.startsWith('<html') || text.startsWith('<head');
}

export function gunzip(stream: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  return stream.pipeThrough(
    new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>,
  );
}
