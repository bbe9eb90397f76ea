"""Small image-folder sets made in the test with Pillow: images of each format, and the same files
as a folder, a .zip, a .tar (any of tarfile's formats) or a .tar.gz."""

import io
import tarfile
import zipfile
from pathlib import Path
from typing import Dict, Tuple

from PIL import Image

Files = Dict[str, bytes]
Colour = Tuple[int, int, int]


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def solid(colour: Colour, fmt: str = "PNG", size: Tuple[int, int] = (16, 12),
          mode: str = "RGB") -> bytes:
    """One colour all over, in `fmt` (JPEG at top quality, WebP lossless, so colours survive)."""
    image = Image.new("RGB", size, colour).convert(mode)
    options = {"JPEG": {"quality": 98, "subsampling": 0}, "WEBP": {"lossless": True}}
    return encoded(image, fmt, **options.get(fmt, {}))


def two_class_set(top: str = "my set") -> Files:
    """'chat noir' (dark images, every format) and '猫' (bright ones), six each with distinct
    bytes, and a readme beside them."""
    files = {f"{top}/README.md": b"# notes"}
    formats = [("JPEG", "jpg"), ("PNG", "png"), ("GIF", "gif"), ("BMP", "bmp"), ("PNG", "PNG"),
               ("JPEG", "jpeg")]
    for i, (fmt, extension) in enumerate(formats):
        files[f"{top}/chat noir/{i}.{extension}"] = solid((10 + 8 * i, 20, 30), fmt)
        files[f"{top}/猫/{i}.{extension}"] = solid((200, 150 + 8 * i, 100), fmt)
    return files


def write_folder(folder: Path, files: Files) -> Path:
    for name, data in files.items():
        path = folder.joinpath(*name.split("/"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return folder


def write_zip(path: Path, files: Files) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def tar_bytes(files: Files, fmt: int = tarfile.PAX_FORMAT) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=fmt) as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def write_tar(path: Path, files: Files, fmt: int = tarfile.PAX_FORMAT,
              gzipped: bool = False) -> Path:
    data = tar_bytes(files, fmt)
    if gzipped:
        import gzip
        data = gzip.compress(data)
    path.write_bytes(data)
    return path
