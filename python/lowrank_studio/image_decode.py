"""One image file to side x side RGB with Pillow, as the studio's Node decoder does with sharp
(scripts/lib/nodeImages.ts): EXIF orientation applied, an animation's first frame, an embedded
colour profile converted to sRGB, alpha composited over black, the centre square kept (sharp's
fit 'cover', position 'centre') and resized as libvips resizes. A JPEG is decoded at 1/2, 1/4 or
1/8 scale where sharp's shrink-on-load would, so a 6000x4000 photo never sits whole in memory, and
a WebP is shrunk by area as libwebp's scaled decoding does; an image past sharp's pixel limit is
refused before it is decoded. tests/fixtures/image-decode.json holds sharp's pixels for a few
images: these come within a level of them on average (lossy WebP, which libwebp shrinks before
its colours are converted, within a few)."""

import contextlib
import io
import math
import warnings
from typing import Any, Iterator, Tuple

import numpy as np

from lowrank_studio.cifar import DatasetError

# sharp's limitInputPixels in nodeImages.ts
MAX_PIXELS = 2 ** 28
HAS_ALPHA = ("RGBA", "LA", "PA", "RGBa", "La")


class DecodeError(Exception):
    """An image that cannot be decoded; the message says why (sharp's words where it has them)."""


def pillow() -> Any:
    """PIL.Image, or a message saying how to install it."""
    try:
        from PIL import Image
    except ImportError as error:
        raise DatasetError("reading image folders needs Pillow (Debian: apt-get install "
                           "python3-pil; elsewhere: pip install pillow)") from error
    return Image


@contextlib.contextmanager
def _own_pixel_limit(image_module: Any) -> Iterator[None]:
    """Pillow's decompression-bomb check off (its limit is lower than sharp's); ours instead."""
    saved = image_module.MAX_IMAGE_PIXELS
    image_module.MAX_IMAGE_PIXELS = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", image_module.DecompressionBombWarning)
            yield
    finally:
        image_module.MAX_IMAGE_PIXELS = saved


def jpeg_shrink(shorter: int, side: int) -> int:
    """sharp's JPEG shrink-on-load (fastShrinkOnLoad, its default): 8, 4 or 2, the largest the
    shrink reaches, one step less where the shrink is exactly that factor (libjpeg's rounding)."""
    shrink = shorter / side
    factor = next((f for f in (8, 4, 2) if shrink >= f), 1)
    return factor // 2 if factor > 1 and int(shrink) == factor else factor


def cover_box(width: int, height: int, side: int) -> Tuple[float, float, float, float]:
    """The source square that sharp's resize(side, side, cover, centre) samples, for Pillow's
    resize(box=...). libvips scales each axis by shorter / side to round(length / scale) pixels
    and sharp keeps `side` of them from (resized - side + 1) // 2. Shrinking, libvips centres
    the pixels its rounding invents or drops (reduceh's hoffset); enlarging, its affine samples
    half an output pixel earlier. The box may reach past the image by a fraction of a pixel:
    libvips repeats the edge pixels there."""
    shorter = min(width, height)
    scale = shorter / side

    def start(length: int) -> float:
        resized = int(length / scale + 0.5)
        kept_from = (resized - side + 1) // 2
        if scale < 1:
            return (kept_from - 0.5) * scale
        return kept_from * scale - (resized * scale - length) / 2

    left, top = start(width), start(height)
    return left, top, left + shorter, top + shorter


def _area_shrunk(image: Any, image_module: Any, side: int) -> Any:
    """libwebp's scaled decoding as sharp asks for it (round(size / shrink), each pixel the
    average of the source area it covers), for an RGB image."""
    width, height = image.size
    scale = 1.0 / (min(width, height) / side)
    if scale >= 1:
        return image
    size = (round(width * scale), round(height * scale))

    def coverage(length: int, out: int) -> np.ndarray:
        starts = np.arange(out)[:, None] * (length / out)
        pixels = np.arange(length)[None, :]
        weights = np.clip(np.minimum(starts + length / out, pixels + 1)
                          - np.maximum(starts, pixels), 0, None)
        return (weights / weights.sum(axis=1, keepdims=True)).astype(np.float32)

    pixels = np.asarray(image, dtype=np.uint8)
    rows, columns = coverage(height, size[1]), coverage(width, size[0])
    shrunk = np.zeros((size[1], width, 3), dtype=np.float32)
    for top in range(0, height, 256):
        band = pixels[top:top + 256].astype(np.float32)
        shrunk += np.tensordot(rows[:, top:top + 256], band, axes=(1, 0))
    shrunk = np.tensordot(shrunk, columns, axes=(1, 1)).transpose(0, 2, 1)
    return image_module.fromarray(np.clip(np.rint(shrunk), 0, 255).astype(np.uint8), "RGB")


def _edged(image: Any, image_module: Any, margin: int) -> Any:
    """The image with `margin` copies of its edge pixels around it (libvips's EXTEND_COPY: its
    filters read past the edges; Pillow's would shorten there instead)."""
    pixels = np.asarray(image, dtype=np.uint8)
    return image_module.fromarray(np.pad(pixels, ((margin, margin), (margin, margin), (0, 0)),
                                         "edge"), "RGB")


def _square(image: Any, image_module: Any, side: int) -> np.ndarray:
    """The cover square of an RGB image, resized as libvips resizes: shrinking, a box filter by
    the whole factor that leaves at least twice the size (blocks from the image's corner, its
    edge pixels repeated to fill the last), then Lanczos 3; enlarging, bicubic."""
    width, height = image.size
    box = cover_box(width, height, side)
    scale = min(width, height) / side
    shrinks = [1, 1]
    if scale >= 1:
        shrinks = [max(1, math.floor(length / int(length / scale + 0.5) / 2))
                   for length in (width, height)]
    if max(shrinks) > 1:
        pad = [(-length) % shrink for length, shrink in zip((width, height), shrinks)]
        if any(pad):
            image = image_module.fromarray(np.pad(
                np.asarray(image, dtype=np.uint8), ((0, pad[1]), (0, pad[0]), (0, 0)),
                "edge"), "RGB")
        image = image.reduce(tuple(shrinks))
        box = (box[0] / shrinks[0], box[1] / shrinks[1], box[2] / shrinks[0], box[3] / shrinks[1])
    # Lanczos 3 reaches 3 pixels of the (shrunk) source per output pixel, bicubic 2 source pixels
    margin = math.ceil(3 * max(1.0, scale / min(shrinks))) + 2
    box = tuple(edge + margin for edge in box)
    resample = image_module.LANCZOS if scale >= 1 else image_module.BICUBIC
    square = _edged(image, image_module, margin).resize((side, side), resample, box=box)
    return np.asarray(square, dtype=np.uint8)


def _to_srgb(image: Any) -> Any:
    """An embedded ICC profile applied, as libvips does; the image as it is where that fails."""
    profile = image.info.get("icc_profile")
    if not profile or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        from PIL import ImageCms
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        mode = "RGBA" if image.mode == "RGBA" else "RGB"
        return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"),
                                         outputMode=mode)
    except Exception:  # noqa: BLE001 - a broken profile is ignored, as browsers do
        return image


def _flattened(image: Any, image_module: Any) -> Any:
    """RGB, alpha composited over black, grey spread over three channels, 16 bits to 8."""
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N"):
        # 16-bit grey (the only integer mode these formats give)
        grey = np.asarray(image, dtype=np.float64) / 257
        image = image_module.fromarray(np.clip(np.rint(grey), 0, 255).astype(np.uint8), "L")
    if image.mode == "CMYK" or image.mode not in HAS_ALPHA + ("RGB", "L", "P", "1"):
        image = image.convert("RGB")
    if image.mode in HAS_ALPHA or "transparency" in image.info:
        rgba = image.convert("RGBA")
        black = image_module.new("RGB", rgba.size, (0, 0, 0))
        black.paste(rgba, mask=rgba.getchannel("A"))
        return black
    return image.convert("RGB")


def _shrunk_on_load(image: Any, factor: int) -> Any:
    """A JPEG decoded at 1/factor scale (libjpeg's scaled decoding, Pillow's draft), cut to
    floor(size / factor) as libvips cuts it (libjpeg rounds up, inventing a partial edge)."""
    if factor == 1:
        return image
    width, height = image.size
    image.draft(image.mode if image.mode == "CMYK" else "RGB", (width // factor, height // factor))
    scale = next((s for s in (8, 4, 2, 1)
                  if image.size == (-(-width // s), -(-height // s))), 1)
    if scale == 1:
        return image
    return image.crop((0, 0, width // scale, height // scale))


def decode_image(data: bytes, side: int) -> np.ndarray:
    """[side, side, 3] uint8; raises DecodeError (or Pillow's own error) when it cannot."""
    image_module = pillow()
    from PIL import ImageOps
    with _own_pixel_limit(image_module):
        try:
            image = image_module.open(io.BytesIO(data))
        except image_module.UnidentifiedImageError as error:
            raise DecodeError("Input buffer contains unsupported image format") from error
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise DecodeError("Input image exceeds pixel limit")
        fmt = image.format
        if fmt == "JPEG":
            image = _shrunk_on_load(image, jpeg_shrink(min(width, height), side))
        image.seek(0)
        image = ImageOps.exif_transpose(image)
        image = _flattened(_to_srgb(image), image_module)
        if fmt == "WEBP":
            image = _area_shrunk(image, image_module, side)
        return _square(image, image_module, side).reshape(side, side, 3)
