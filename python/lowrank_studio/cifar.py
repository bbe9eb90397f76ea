"""Reads the official CIFAR-10/100 binary releases (src/data/cifar.ts): a .tar.gz or .tar, loose
.bin files, or a folder of them; the same checks and messages. Images come out uint8 NHWC."""

import gzip
import io
import os
import tarfile
import zlib
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from lowrank_studio.cifar_names import (CIFAR10_CLASSES, CIFAR100_COARSE_CLASSES,
                                        CIFAR100_FINE_CLASSES)

SIDE = 32
IMAGE_BYTES = SIDE * SIDE * 3
CIFAR10_TRAIN = [f"data_batch_{i}.bin" for i in range(1, 6)]


class DatasetError(ValueError):
    """A dataset that cannot be read; the message is meant for the user."""


@dataclass
class Split:
    images: np.ndarray  # [count, H, W, 3] uint8
    labels: np.ndarray  # [count] uint8

    @property
    def count(self) -> int:
        return len(self.labels)


@dataclass
class Dataset:
    kind: str
    name: str
    class_names: List[str]
    size: int
    train: Split
    test: Split
    # an image-folder set: how it was read (FolderInfo of src/data/folderInfo.ts)
    folder: Optional[Dict[str, Any]] = None


def _role(path: str) -> Optional[Tuple[str, str]]:
    base = path.split("/")[-1]
    if base in CIFAR10_TRAIN:
        return "cifar10", "train"
    return {"test_batch.bin": ("cifar10", "test"), "batches.meta.txt": ("cifar10", "meta"),
            "train.bin": ("cifar100", "train"), "test.bin": ("cifar100", "test"),
            "fine_label_names.txt": ("cifar100", "fine"),
            "coarse_label_names.txt": ("cifar100", "coarse")}.get(base)


def official_records(file_name: str) -> int:
    return 50_000 if file_name == "train.bin" else 10_000


def _title(kind: str) -> str:
    return "CIFAR-10" if kind == "cifar10" else "CIFAR-100"


def _too_many(file_name: str, kind: str, most: int, count: Optional[float] = None) -> str:
    held = f"more than {most:,}" if count is None else f"{int(count):,}"
    return (f"{file_name}: holds {held} records, where an official {_title(kind)} {file_name} "
            f"holds {most:,}: it is not a CIFAR file, or several were joined")


def _records(file_name: str, kind: str, data: bytes, label_choice: str) -> Split:
    label_bytes = 1 if kind == "cifar10" else 2
    record = label_bytes + IMAGE_BYTES
    most = official_records(file_name)
    if len(data) / record > most:
        raise DatasetError(_too_many(file_name, kind, most, len(data) / record))
    if len(data) % record:
        raise DatasetError(
            f"{file_name}: {len(data)} bytes is not a whole number of {record}-byte "
            f"{_title(kind)} records: "
            "the file is truncated or from another dataset")
    rows = np.frombuffer(data, dtype=np.uint8).reshape(-1, record)
    if len(rows) == 0:
        raise DatasetError(f"{file_name}: holds no records")
    limits = [10] if kind == "cifar10" else [20, 100]
    for b, limit in enumerate(limits):
        bad = np.nonzero(rows[:, b] >= limit)[0]
        if len(bad):
            raise DatasetError(
                f"{file_name}, record {bad[0]}: label {rows[bad[0], b]} is out of range "
                f"0-{limit - 1}; "
                f"is this really a {_title(kind)} file?")
    labels = rows[:, 0] if kind == "cifar10" or label_choice == "coarse" else rows[:, 1]
    # planes R, G, B of 32x32 -> interleaved HWC
    images = rows[:, label_bytes:].reshape(-1, 3, SIDE, SIDE).transpose(0, 2, 3, 1)
    return Split(np.ascontiguousarray(images), labels.copy())


class _Collector:
    def __init__(self, label_choice: str) -> None:
        self.label_choice = label_choice
        self.records: Dict[str, Split] = {}
        self.names: Dict[str, List[str]] = {}
        self.kinds = set()
        self.ignored: List[str] = []

    def add(self, path: str, data: bytes) -> None:
        role = _role(path)
        if role is None:
            self.ignored.append(path)
            return
        kind, what = role
        self.kinds.add(kind)
        base = path.split("/")[-1]
        if what in ("train", "test"):
            self.records[base] = _records(base, kind, data, self.label_choice)
        else:
            text = data.decode("utf-8", "replace")
            self.names[what] = [line.strip() for line in text.splitlines() if line.strip()]

    def build(self, from_archive: bool) -> Dataset:
        if not self.kinds:
            named = f"{', '.join(self.ignored)}: " if self.ignored else ""
            raise DatasetError(
                named + "no CIFAR files found: expected cifar-10-binary.tar.gz / "
                "cifar-100-binary.tar.gz, their .tar, or the .bin files inside them "
                "(data_batch_1.bin ... test_batch.bin, or train.bin and test.bin)")
        if len(self.kinds) > 1:
            raise DatasetError("the inputs mix CIFAR-10 and CIFAR-100 files; load one dataset at "
                               "a time")
        kind = next(iter(self.kinds))
        train_files = CIFAR10_TRAIN if kind == "cifar10" else ["train.bin"]
        test_file = "test_batch.bin" if kind == "cifar10" else "test.bin"
        present = [f for f in train_files if f in self.records]
        missing = [f for f in train_files if f not in self.records] + (
            [] if test_file in self.records else [test_file])
        if from_archive and missing:
            raise DatasetError(f"the archive is missing {', '.join(missing)}: it is incomplete or "
                               f"not an "
                               "official CIFAR release")
        if not present:
            raise DatasetError(f"no training batch given: add {' / '.join(train_files)}")
        if test_file not in self.records:
            raise DatasetError(f"no test batch given: add {test_file}")
        train = Split(np.concatenate([self.records[f].images for f in present]),
                      np.concatenate([self.records[f].labels for f in present]))
        if kind == "cifar10":
            defaults, key, name = CIFAR10_CLASSES, "meta", "CIFAR-10"
        else:
            fine = self.label_choice == "fine"
            defaults = CIFAR100_FINE_CLASSES if fine else CIFAR100_COARSE_CLASSES
            key, name = self.label_choice, f"CIFAR-100 ({self.label_choice} labels)"
        lines = self.names.get(key, [])
        class_names = lines if len(lines) == len(defaults) else list(defaults)
        return Dataset(kind, name, class_names, SIDE, train, self.records[test_file])


def _looks_like_tar(head: bytes) -> bool:
    return len(head) >= 262 and head[257:262] == b"ustar"


def _looks_like_html(head: bytes) -> bool:
    text = head[:256].decode("utf-8", "replace").lstrip().lower()
    return text.startswith(("<!doctype html", "<html", "<head"))


def _read_source(name: str, data: bytes, collector: _Collector) -> bool:
    """Adds one file's contents; True when it was an archive."""
    if _looks_like_html(data[:512]) and not name.lower().endswith((".html", ".htm")):
        raise DatasetError(f"{name}: is a web page (HTML), not a CIFAR archive: the address may "
                           f"be wrong, or "
                           "the server answered with an error or sign-in page")
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as error:
            raise DatasetError(f"{name}: could not be decompressed ({error}); the gzip data is "
                               f"corrupt or "
                               "truncated") from error
        if not _looks_like_tar(data[:512]):
            raise DatasetError(f"{name}: is gzip but holds no tar archive")
    if _looks_like_tar(data[:512]):
        try:
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as archive:
                for member in archive:
                    if member.isfile():
                        if _role(member.name) is None:
                            collector.ignored.append(member.name)
                            continue
                        collector.add(member.name, archive.extractfile(member).read())
        except tarfile.TarError as error:
            raise DatasetError(f"{name}: {error} (truncated download?)") from error
        return True
    collector.add(name, data)
    return False


def load_cifar(path: str, cifar100_labels: str = "fine") -> Dataset:
    """CIFAR-10 or -100 from an archive, a .bin file, or a folder of them (not recursive)."""
    if not os.path.exists(path):
        raise DatasetError(f"{path}: no such file or folder")
    files = ([os.path.join(path,
                           n) for n in sorted(os.listdir(path)) if os.path.isfile(
                               os.path.join(path, n))]
             if os.path.isdir(path) else [path])
    if not files:
        raise DatasetError("no files given")
    collector = _Collector(cifar100_labels)
    from_archive = False
    for file in files:
        with open(file, "rb") as handle:
            from_archive = _read_source(os.path.basename(file), handle.read(),
                                        collector) or from_archive
    return collector.build(from_archive)
