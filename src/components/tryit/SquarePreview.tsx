import { useEffect, useRef } from 'react';
import type { SquareImage } from '../../protocol';

/** The image as the training images are stored: its centre square at their side, enlarged. */
export function SquarePreview({ image }: { image: SquareImage }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const context = canvas.current?.getContext('2d');
    if (!context) return;
    const { pixels, side } = image;
    const rgba = new ImageData(side, side);
    for (let i = 0, j = 0; i < pixels.length; i += 3, j += 4) {
      rgba.data.set(pixels.subarray(i, i + 3), j);
      rgba.data[j + 3] = 255;
    }
    context.putImageData(rgba, 0, 0);
  }, [image]);
  return (
    <figure className="try-preview">
      <canvas
        ref={canvas}
        width={image.side}
        height={image.side}
        data-testid="try-preview"
        aria-label={`The image as the model is given it, ${image.side} by ${image.side} pixels`}
        role="img"
      />
      <figcaption className="muted small">
        Cropped and sized as its training images ({image.side}×{image.side})
      </figcaption>
    </figure>
  );
}
