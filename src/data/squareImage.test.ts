import { describe, expect, it } from 'vitest';
import { centreSquare, rgbOf } from './squareImage';

describe('centreSquare', () => {
  it('crops the long side equally from both ends', () => {
    expect(centreSquare(640, 480)).toEqual({ x: 80, y: 0, size: 480 });
    expect(centreSquare(300, 500)).toEqual({ x: 0, y: 100, size: 300 });
    expect(centreSquare(32, 32)).toEqual({ x: 0, y: 0, size: 32 });
  });

  it('rounds an odd difference down, as the image-folder loader always has', () => {
    expect(centreSquare(5, 2)).toEqual({ x: 1, y: 0, size: 2 });
    expect(centreSquare(7, 10)).toEqual({ x: 0, y: 1, size: 7 });
  });
});

describe('rgbOf', () => {
  it('drops the alpha byte of every pixel', () => {
    expect(Array.from(rgbOf(Uint8ClampedArray.of(1, 2, 3, 255, 4, 5, 6, 0)))).toEqual([
      1, 2, 3, 4, 5, 6,
    ]);
  });
});
