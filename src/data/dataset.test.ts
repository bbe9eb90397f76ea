import { describe, expect, it } from 'vitest';
import { fingerprint } from './dataset';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('a split fingerprint', () => {
  it("is FNV-1a (32 bits) over the pixels, then the labels: the published test vectors, and the twin's", () => {
    expect(fingerprint({ images: bytes(''), labels: bytes(''), count: 0 })).toBe('811c9dc5');
    expect(fingerprint({ images: bytes('a'), labels: bytes(''), count: 0 })).toBe('e40c292c');
    expect(fingerprint({ images: bytes('foo'), labels: bytes('bar'), count: 0 })).toBe('bf9cf968');
  });
});
