"""One image file to side x side RGB, as the studio's sharp decoder makes it: every format the
studio reads, alpha over black, grey spread to three channels, EXIF orientation, the first frame
of a GIF, the centre square, a 6000x4000 photo decoded at a reduced scale, and an image past the
pixel limit refused before it is decoded."""

import base64
import io
import json
import time
import zlib
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PIL")

from PIL import Image, JpegImagePlugin  # noqa: E402

from image_sets import encoded, solid  # noqa: E402
from lowrank_studio.image_decode import (DecodeError, MAX_PIXELS, cover_box,  # noqa: E402
                                         decode_image, jpeg_shrink)

COLOUR = (200, 120, 40)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "BMP", "WEBP"])
def test_every_format_decodes_to_its_colour(fmt):
    pixels = decode_image(solid(COLOUR, fmt, (30, 20)), 8)
    assert pixels.shape == (8, 8, 3) and pixels.dtype == np.uint8
    assert np.abs(pixels.astype(int) - COLOUR).max() <= 3


def test_alpha_is_composited_over_black_and_grey_spread_over_three_channels():
    rgba = Image.new("RGBA", (10, 10), (255, 255, 255, 0))
    rgba.paste((200, 100, 50, 255), (0, 0, 10, 5))
    pixels = decode_image(encoded(rgba, "PNG"), 10)
    assert (pixels[7:] == 0).all() and (pixels[:3] == (200, 100, 50)).all()
    half = decode_image(encoded(Image.new("RGBA", (6, 6), (200, 100, 50, 128)), "PNG"), 6)
    assert np.abs(half.astype(int) - (100, 50, 25)).max() <= 1
    grey = decode_image(encoded(Image.new("L", (9, 9), 77), "PNG"), 4)
    assert (grey == 77).all()
    sixteen = decode_image(encoded(Image.new("I;16", (9, 9), 257 * 77), "PNG"), 4)
    assert (sixteen == 77).all()


def test_the_centre_square_is_kept():
    wide = Image.new("RGB", (120, 40), (0, 0, 255))
    wide.paste((255, 0, 0), (40, 0, 80, 40))
    pixels = decode_image(encoded(wide, "PNG"), 8).astype(int)
    # the middle of the kept square is all red; only Lanczos's reach at its edges sees blue
    assert (pixels[:, 2:6, 0] >= 250).all() and (pixels[:, 2:6, 2] <= 5).all()
    assert pixels[..., 0].mean() > 200
    tall = wide.transpose(Image.Transpose.ROTATE_90)
    assert (decode_image(encoded(tall, "PNG"), 8).astype(int)[2:6, :, 0] >= 250).all()


def test_odd_crops_follow_sharps_cover_centre_rounding():
    # sharp scales 36x32 to 9x8 and keeps the columns from (9 - 8 + 1) // 2 = 1: source column 4
    assert cover_box(36, 32, 8) == (4.0, 0.0, 36.0, 32.0)
    # 64x48 to 11x8 (10.67 rounded up: 2 source columns invented, one each side), from column 2
    assert cover_box(64, 48, 8) == (11.0, 0.0, 59.0, 48.0)
    # 33x32 to 8x8 (8.25 rounded down): the column dropped is shared by both sides
    assert cover_box(33, 32, 8) == (0.5, 0.0, 32.5, 32.0)
    assert cover_box(50, 101, 10) == (0.0, 25.5, 50.0, 75.5)
    assert cover_box(64, 64, 32) == (0.0, 0.0, 64.0, 64.0)


def test_exif_orientation_is_applied():
    wide = Image.new("RGB", (40, 20), (255, 0, 0))
    wide.paste((0, 0, 255), (20, 0, 40, 20))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display: the left half ends on top
    pixels = decode_image(encoded(wide, "JPEG", exif=exif, quality=95), 8).astype(int)
    assert pixels[0, :, 0].min() > 200 and pixels[-1, :, 2].min() > 200


def test_a_gif_gives_its_first_frame():
    frames = [Image.new("RGB", (12, 12), colour) for colour in ((250, 0, 0), (0, 0, 250))]
    data = encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    assert Image.open(io.BytesIO(data)).n_frames == 2
    pixels = decode_image(data, 4).astype(int)
    assert (pixels[..., 0] > 240).all() and (pixels[..., 2] < 10).all()


def test_a_large_photo_is_decoded_at_a_reduced_scale(monkeypatch):
    photo = Image.new("RGB", (6000, 4000), (30, 160, 90))
    photo.paste((250, 250, 250), (2500, 1500, 3500, 2500))
    data = encoded(photo, "JPEG", quality=90)
    del photo
    drafts = []
    original = JpegImagePlugin.JpegImageFile.draft

    def spy(self, mode, size):
        drafts.append(size)
        return original(self, mode, size)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    started = time.perf_counter()
    pixels = decode_image(data, 32).astype(int)
    assert time.perf_counter() - started < 5
    assert jpeg_shrink(4000, 32) == 8 and drafts == [(750, 500)]
    assert np.abs(pixels[0, 0] - (30, 160, 90)).max() <= 4
    assert np.abs(pixels[16, 16] - (250, 250, 250)).max() <= 4


def test_sharps_shrink_on_load_rule():
    assert [jpeg_shrink(shorter, 32) for shorter in (32, 64, 90, 96, 128, 200, 256, 300, 4000)] == [
        1, 1, 1, 2, 2, 4, 4, 8, 8]


def test_an_image_past_the_pixel_limit_is_refused_unread():
    png = bytearray(encoded(Image.new("RGB", (4, 4)), "PNG"))
    # IHDR: length, type, width, height, ...; its CRC covers type and data
    png[16:24] = (20_000).to_bytes(4, "big") + (20_000).to_bytes(4, "big")
    png[29:33] = zlib.crc32(bytes(png[12:29])).to_bytes(4, "big")
    assert 20_000 ** 2 > MAX_PIXELS
    before = Image.MAX_IMAGE_PIXELS
    with pytest.raises(DecodeError, match="^Input image exceeds pixel limit$"):
        decode_image(bytes(png), 32)
    assert Image.MAX_IMAGE_PIXELS == before


def test_what_is_not_an_image_or_is_broken_raises():
    with pytest.raises(DecodeError, match="unsupported image format"):
        decode_image(b"just bytes", 8)
    with pytest.raises(Exception):
        decode_image(solid((1, 2, 3), "JPEG", (64, 64))[:200], 8)
    corrupt = bytearray(solid((1, 2, 3), "PNG", (64, 64)))
    corrupt[40:60] = bytes(20)
    with pytest.raises(Exception):
        decode_image(bytes(corrupt), 8)


DECODE_FIXTURE = Path(__file__).parent / "fixtures" / "image-decode.json"
SHARP_CASES = json.loads(DECODE_FIXTURE.read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", SHARP_CASES, ids=[case["name"] for case in SHARP_CASES])
def test_pixels_are_those_the_studio_decodes_in_node_within_a_few_levels(case):
    """fixtures/image-decode.json: sharp's pixels for images sharp encoded (scripts/
    image-folder-fixture.ts). Pillow and libvips differ in their fixed-point filters and alpha
    rounding, so the pixels agree within a level on average and a few at most, not exactly."""
    data = base64.b64decode(case["file"])
    for side, expected in case["pixels"].items():
        side = int(side)
        theirs = np.frombuffer(base64.b64decode(expected), np.uint8).reshape(side, side, 3)
        difference = np.abs(decode_image(data, side).astype(int) - theirs.astype(int))
        worst = (side, difference.mean(), difference.max())
        assert difference.mean() <= 1.0 and difference.max() <= 6, worst
