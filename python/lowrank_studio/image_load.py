"""Loads an image-folder set (src/data/imageFolder.ts; image_folder.py decides which file is which
image): every image decoded, centre-cropped and resized to a square (image_decode.py), straight
into the dataset's arrays. Files that do not decode are skipped and listed; test images whose file
bytes repeat a training image's are dropped, so the test accuracy is not inflated by images the
network trained on. load_dataset reads what --data names: an image-folder set, or else CIFAR."""

import hashlib
import os
from typing import Any, Dict, List, Optional, Union

import numpy as np

from lowrank_studio.cifar import Dataset, DatasetError, Split, load_cifar
from lowrank_studio.image_decode import decode_image, pillow
from lowrank_studio.image_entries import ArchiveEntries, FolderEntries
from lowrank_studio.image_folder import (CIFAR_FILE, DEFAULT_TEST_FRACTION, FOLDER_SPLIT_SEED,
                                         ImageFolderError, SkippedFile, js_number,
                                         plan_image_folder)
from lowrank_studio.seeded import Random

# the side images are stored at (a run resizes to its own input size, as with CIFAR)
DEFAULT_FOLDER_SIDE = 32
# skipped files named in messages and reports
EXAMPLES = 5

Entries = Union[ArchiveEntries, FolderEntries]


def _skipped(file: SkippedFile) -> Dict[str, str]:
    return {"path": file.path, "why": file.why}


def load_image_folder(entries: Entries, test_fraction: float = DEFAULT_TEST_FRACTION,
                      side: int = DEFAULT_FOLDER_SIDE) -> Dataset:
    """Reads, checks and decodes an image-folder set (loadImageFolder); raises ImageFolderError
    for the user. The dataset's `folder` is the studio's FolderInfo."""
    pillow()  # a missing decoder is said once, not as every image failing
    plan = plan_image_folder(entries.list(), test_fraction)
    every = plan.train + plan.test
    slot = {image.path: i for i, image in enumerate(every)}
    pixels = np.zeros((len(every), side, side, 3), dtype=np.uint8)
    hashes: List[Optional[str]] = [None] * len(every)
    skipped = list(plan.skipped)
    for path, data in entries.read(set(slot)):
        i = slot[path]
        try:
            pixels[i] = decode_image(data, side)
            hashes[i] = hashlib.sha1(data).hexdigest()
        except (ImageFolderError, MemoryError):
            raise
        except Exception as error:  # noqa: BLE001 - any decoder failure skips the file
            message = str(error) or type(error).__name__
            skipped.append(SkippedFile(path, f"could not be decoded ({message})"))
    train_count = len(plan.train)
    trained = {h for h in hashes[:train_count] if h is not None}
    keep_train = [i for i in range(train_count) if hashes[i] is not None]
    duplicates: List[str] = []
    keep_test: List[int] = []
    for i in range(train_count, len(every)):
        if hashes[i] is None:
            continue
        if hashes[i] in trained:
            duplicates.append(every[i].path)
        else:
            keep_test.append(i)
    labels = np.array([image.label for image in every], dtype=np.uint8)
    per_class = np.bincount(labels[keep_train], minlength=len(plan.class_names))
    missing = [name for c, name in enumerate(plan.class_names) if per_class[c] == 0]
    if missing:
        named = ", ".join(f"'{name}'" for name in missing)
        last = "; ".join(f"{f.path}: {f.why}" for f in skipped[-EXAMPLES:])
        raise ImageFolderError(f"no training image of {named} could be decoded ({last})")
    if not keep_test:
        raise ImageFolderError("no test image is left (none decoded, or all repeat a training "
                               "image)")
    folder = {
        "source": entries.name, "split": plan.split, "side": side,
        "skipped": {"count": len(skipped), "examples": [_skipped(f) for f in skipped[:EXAMPLES]]},
        "duplicates": {"count": len(duplicates), "examples": duplicates[:EXAMPLES]},
        "nested": plan.nested,
    }
    return Dataset("folder", f"{entries.name} (image folders)", plan.class_names, side,
                   _split(pixels, labels, shuffled(keep_train)),
                   _split(pixels, labels, shuffled(keep_test)), folder)


# keeps the order of a split's images apart from the seeds of the test split and training
ORDER_SALT = 0x0F01DE75


def shuffled(indices: List[int]) -> List[int]:
    """Indices in a seeded shuffled order (shuffled in imageFolder.ts): a folder set lists its
    images class by class, and a prefix of a split (an image limit, the studio's test slice) must
    hold every class."""
    order = Random((FOLDER_SPLIT_SEED ^ ORDER_SALT) & 0xFFFFFFFF).permutation(len(indices))
    return [indices[i] for i in order.tolist()]


def _split(pixels: np.ndarray, labels: np.ndarray, at: List[int]) -> Split:
    return Split(pixels[at], labels[at])


def folder_notice(folder: Dict[str, Any]) -> str:
    """What the load left out, in a sentence (empty when nothing): folderNotice."""
    parts = []
    skipped, duplicates = folder["skipped"], folder["duplicates"]
    if skipped["count"]:
        listed = "; ".join(f"{f['path']}: {f['why']}" for f in skipped["examples"])
        more = "; …" if skipped["count"] > len(skipped["examples"]) else ""
        plural = "" if skipped["count"] == 1 else "s"
        parts.append(f"{skipped['count']} file{plural} skipped ({listed}{more})")
    if duplicates["count"]:
        listed = ", ".join(duplicates["examples"])
        more = ", …" if duplicates["count"] > len(duplicates["examples"]) else ""
        plural = "" if duplicates["count"] == 1 else "s"
        parts.append(f"{duplicates['count']} test image{plural} left out for repeating a "
                     f"training image ({listed}{more})")
    if folder["nested"]:
        parts.append(f"{folder['nested']} images in sub-folders counted in their class folder's "
                     "class")
    return "; ".join(parts)


def image_folder_input(path: str) -> Optional[Entries]:
    """Whether `path` holds an image-folder set rather than CIFAR (imageFolderInput of
    scripts/lib/files.ts): a folder with sub-folders, a zip, or a tar whose files include no
    CIFAR batch (a tar that cannot be listed is left to the CIFAR reader's messages)."""
    if os.path.isdir(path):
        has_folders = any(os.path.isdir(os.path.join(path, name)) for name in os.listdir(path))
        return FolderEntries(path) if has_folders else None
    with open(path, "rb") as file:
        head = file.read(2)
    entries = ArchiveEntries(path)
    if head == b"PK":
        return entries
    if head != b"\x1f\x8b" and not path.lower().endswith(".tar"):
        return None
    try:
        for listed in entries.paths():
            if CIFAR_FILE.fullmatch(listed.split("/")[-1]):
                return None
    except (ImageFolderError, OSError):
        return None
    return entries


def load_dataset(path: str, cifar100_labels: str = "fine",
                 test_fraction: float = DEFAULT_TEST_FRACTION,
                 image_size: int = DEFAULT_FOLDER_SIDE) -> Dataset:
    """What --data names: an image-folder set (a folder of class folders, a .zip, a .tar or
    .tar.gz of them), or else CIFAR-10/100 (load_cifar). The image-folder options are checked
    as npm run experiment checks its --test-fraction and --image-size."""
    if not 0 < test_fraction < 1:
        raise DatasetError("--test-fraction needs a share between 0 and 1, got "
                           f"{js_number(test_fraction)}")
    if not 8 <= image_size <= 256:
        raise DatasetError(f"--image-size needs a side of 8 to 256 pixels, got {image_size}")
    if os.path.exists(path):
        entries = image_folder_input(path)
        if entries is not None:
            return load_image_folder(entries, test_fraction, image_size)
    return load_cifar(path, cifar100_labels)
