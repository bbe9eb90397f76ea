"""The files of an image-folder set, wherever they are (src/data/imageEntries.ts, tar.ts): a .zip,
a .tar or .tar.gz (read as a stream, pax and GNU long names included), or a folder walked
recursively. An archive is read twice, once for the paths and once for the wanted images, so no
more than one image is held at a time; limits stop an archive that expands without end."""

import gzip
import os
import re
import zipfile
import zlib
from dataclasses import dataclass
from typing import BinaryIO, Callable, Iterator, List, Optional, Set, Tuple

from lowrank_studio.image_folder import ImageFolderError, js_number

BLOCK = 512
CHUNK = 1 << 20
# the end-of-central-directory record sits in the last 22 bytes plus a comment of up to 64 KB
ZIP_TAIL = 22 + 0xFFFF


@dataclass(frozen=True)
class ArchiveLimits:
    """What an archive may expand to before it is taken for a zip bomb."""
    files: int = 500_000  # files listed
    file_bytes: int = 256 * 2 ** 20  # bytes of one file, expanded
    total_bytes: int = 16 * 2 ** 30  # bytes of every file together, expanded


ARCHIVE_LIMITS = ArchiveLimits()


class ArchiveError(Exception):
    """A tar that cannot be read (tar.ts's ArchiveError); named with the archive by the caller."""


class _Expansion:
    """Counts what an archive expands to and refuses it past the limits."""

    def __init__(self, name: str, limits: ArchiveLimits) -> None:
        self.name, self.limits = name, limits
        self.total = self.files = 0

    def file(self) -> None:
        self.files += 1
        if self.files > self.limits.files:
            raise ImageFolderError(f"{self.name}: holds more than {self.limits.files:,} files; "
                                   "split it into smaller archives")

    def bytes(self, path: str, file_bytes: int, added: int) -> None:
        self.total += added
        if file_bytes > self.limits.file_bytes:
            raise ImageFolderError(
                f"{self.name}: {path} expands past {js_number(self.limits.file_bytes / 2 ** 20)} "
                "MB: not an image this studio reads (or a zip bomb)")
        if self.total > self.limits.total_bytes:
            raise ImageFolderError(
                f"{self.name}: expands past {js_number(self.limits.total_bytes / 2 ** 30)} GB: "
                "refused as a likely zip bomb")


def looks_like_tar(head: bytes) -> bool:
    return len(head) >= 262 and _string(head, 257, 5) == "ustar"


def _string(block: bytes, offset: int, length: int) -> str:
    raw = block[offset:offset + length]
    end = raw.find(b"\0")
    return (raw if end < 0 else raw[:end]).decode("utf-8", "replace")


def _octal(block: bytes, offset: int, length: int) -> int:
    text = _string(block, offset, length).strip()
    if any(c not in "01234567" for c in text):
        raise ArchiveError("not a tar archive (bad size field)")
    return int(text, 8) if text else 0


def _pax_path(data: bytes) -> Optional[str]:
    """The `path` record of a pax extended header ("<length> path=<name>\\n", lengths in bytes)."""
    at = 0
    while at < len(data):
        space = data.find(b" ", at)
        # parseInt: the leading digits, whatever follows
        digits = re.match(r"\s*\+?(\d+)", data[at:space].decode("utf-8", "replace"))
        length = int(digits.group(1)) if space >= 0 and digits else 0
        if length <= 0:
            break
        record = data[space + 1:at + length - 1].decode("utf-8", "replace")
        if record.startswith("path="):
            return record[5:]
        at += length
    return None


def _read_exactly(stream: BinaryIO, size: int) -> bytes:
    parts, left = [], size
    while left > 0:
        part = stream.read(min(left, CHUNK))
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def read_tar(stream: BinaryIO, wanted: Callable[[str, int], bool]) -> Iterator[
        Tuple[str, Optional[bytes]]]:
    """Reads `stream` as a tar (readTar of tar.ts): every regular file's path, with its bytes
    where `wanted(path, size)` asks for them (else None)."""
    long_name: Optional[str] = None
    while True:
        header = _read_exactly(stream, BLOCK)
        if len(header) == 0:
            return
        if len(header) < BLOCK:
            raise ArchiveError("the archive ends inside a header")
        if header == bytes(BLOCK):
            # keep reading (and discarding): a gzip layer checks its CRC at its trailer
            while stream.read(CHUNK):
                pass
            return
        if not looks_like_tar(header) and _string(header, 257, 6) != "ustar ":
            raise ArchiveError("not a tar archive (no ustar header)")
        size = _octal(header, 124, 12)
        kind = chr(header[156] or 48)
        prefix, name = _string(header, 345, 155), _string(header, 0, 100)
        path = long_name if long_name is not None else (f"{prefix}/{name}" if prefix else name)
        long_name = None
        regular = kind in ("0", "7")
        keep = kind in ("L", "x") or (regular and wanted(path, size))
        data = _read_exactly(stream, size) if keep else None
        if (len(data) if data is not None else _skip(stream, size)) < size:
            raise ArchiveError(f"the archive ends inside {path} (truncated download?)")
        _skip(stream, (BLOCK - size % BLOCK) % BLOCK)
        if kind == "L":
            long_name = _string(data or b"", 0, len(data or b""))
        elif kind == "x":
            # a pax header (Python's and bsdtar's default): a `path` record names the next entry
            paxed = _pax_path(data or b"")
            long_name = long_name if paxed is None else paxed
        elif regular:
            yield path, data


def _skip(stream: BinaryIO, size: int) -> int:
    """Reads past up to `size` bytes; returns how many there were."""
    left = size
    while left > 0:
        part = stream.read(min(left, CHUNK))
        if not part:
            break
        left -= len(part)
    return size - left


class _Counted:
    """The tar stream, counted against the total as it is read: a small .tar.gz may expand
    without end."""

    def __init__(self, inner: BinaryIO, expansion: _Expansion, name: str) -> None:
        self.inner, self.expansion, self.name = inner, expansion, name

    def read(self, size: int = -1) -> bytes:
        data = self.inner.read(size)
        self.expansion.bytes(self.name, 0, len(data))
        return data


def _looks_like_html(head: bytes) -> bool:
    text = head[:256].decode("utf-8", "replace").lstrip().lower()
    return text.startswith(("<!doctype html", "<html", "<head"))


def _has_zip_end(handle: BinaryIO) -> bool:
    size = handle.seek(0, os.SEEK_END)
    handle.seek(max(0, size - ZIP_TAIL))
    return b"PK\x05\x06" in handle.read()


def _zip_path(info: zipfile.ZipInfo) -> str:
    """The entry's name as the studio's zip reader (fflate) decodes it: UTF-8 where the entry is
    flagged so, else Latin-1 (zipfile decodes those as code page 437)."""
    if info.flag_bits & 0x800:
        return info.filename
    return info.filename.encode("cp437").decode("latin-1")


Pass = Iterator[Tuple[str, Optional[bytes]]]


class ArchiveEntries:
    """A .zip, .tar or .tar.gz of images, read in two passes (archiveEntries)."""

    def __init__(self, path: str, limits: ArchiveLimits = ARCHIVE_LIMITS,
                 name: Optional[str] = None) -> None:
        self.path, self.limits = path, limits
        self.name = name if name is not None else os.path.basename(path)

    def list(self) -> List[str]:
        return list(self.paths())

    def paths(self) -> Iterator[str]:
        """Every file's path, as the archive is read (a caller may stop early)."""
        return (path for path, _ in self._pass(None))

    def read(self, wanted: Set[str]) -> Iterator[Tuple[str, bytes]]:
        for path, data in self._pass(wanted):
            if data is not None:
                yield path, data

    def _pass(self, wanted: Optional[Set[str]]) -> Pass:
        """Every file's path, with its bytes where `wanted` holds it (None: none wanted)."""
        with open(self.path, "rb") as handle:
            head = handle.read(BLOCK)
            if head[:2] == b"PK":
                yield from self._zip(handle, wanted)
                return
            if head[:2] == b"\x1f\x8b":
                handle.seek(0)
                with gzip.GzipFile(fileobj=handle) as tar:
                    if not looks_like_tar(self._gunzipped_head(tar)):
                        raise ImageFolderError(f"{self.name}: is gzip but holds no tar archive")
                handle.seek(0)
                with gzip.GzipFile(fileobj=handle) as tar:
                    yield from self._tar(tar, wanted)
                return
            if not looks_like_tar(head):
                raise ImageFolderError(
                    f"{self.name}: is a web page (HTML), not an archive of images"
                    if _looks_like_html(head) else
                    f"{self.name}: is not a .zip, .tar or .tar.gz archive (or a folder) of images")
            handle.seek(0)
            yield from self._tar(handle, wanted)

    def _gunzipped_head(self, tar: BinaryIO) -> bytes:
        try:
            return _read_exactly(tar, BLOCK)
        except (OSError, EOFError, zlib.error) as error:
            raise ImageFolderError(f"{self.name}: could not be read ({error}); the archive is "
                                   "corrupt or truncated") from error

    def _zip(self, handle: BinaryIO, wanted: Optional[Set[str]]) -> Pass:
        name, expansion = self.name, _Expansion(self.name, self.limits)
        if not _has_zip_end(handle):
            raise ImageFolderError(f"{name}: the zip ends early (a truncated download or copy?)")
        try:
            archive = zipfile.ZipFile(handle)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
            raise ImageFolderError(f"{name}: is not a readable zip ({error})") from error
        with archive:
            for info in archive.infolist():
                path = _zip_path(info)
                if path.endswith("/"):
                    continue
                expansion.file()
                if wanted is None or path not in wanted:
                    yield path, None
                    continue
                parts, size = [], 0
                try:
                    with archive.open(info) as member:
                        for part in iter(lambda: member.read(CHUNK), b""):
                            size += len(part)
                            expansion.bytes(path, size, len(part))
                            parts.append(part)
                except (zipfile.BadZipFile, zlib.error, OSError, EOFError,
                        NotImplementedError, RuntimeError) as error:
                    raise ImageFolderError(f"{name}: is not a readable zip ({path}: {error})"
                                           ) from error
                yield path, b"".join(parts)

    def _tar(self, stream: BinaryIO, wanted: Optional[Set[str]]) -> Pass:
        name, expansion = self.name, _Expansion(self.name, self.limits)

        def wants(path: str, size: int) -> bool:
            expansion.file()
            if wanted is None or path not in wanted:
                return False
            expansion.bytes(path, size, 0)
            return True

        try:
            yield from read_tar(_Counted(stream, expansion, name), wants)
        except ArchiveError as error:
            raise ImageFolderError(f"{name}: {error}") from error
        except (OSError, EOFError, zlib.error) as error:
            raise ImageFolderError(f"{name}: could not be read ({error}); the archive is corrupt "
                                   "or truncated") from error


class FolderEntries:
    """Every file under a folder (recursively, symbolic links not followed), by its path relative
    to it with '/' between folders, read on demand in listing order."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.name = re.split(r"[\\/]", re.sub(r"[\\/]+$", "", folder))[-1]

    def list(self) -> List[str]:
        found = []
        for top, folders, files in os.walk(self.folder):
            folders.sort()
            for file in sorted(files):
                full = os.path.join(top, file)
                if os.path.isfile(full) and not os.path.islink(full):
                    found.append(os.path.relpath(full, self.folder).replace(os.sep, "/"))
        return found

    def read(self, wanted: Set[str]) -> Iterator[Tuple[str, bytes]]:
        for path in self.list():
            if path in wanted:
                with open(os.path.join(self.folder, *path.split("/")), "rb") as file:
                    yield path, file.read()
