"""Image-folder sets (src/data/imageFolderPlan.ts): which file is which image of which class, from
paths alone. The one-folder-per-class layout of torchvision's ImageFolder (`train/<class>/*`,
`test/<class>/*` or `val/<class>/*`, or just `<class>/*`), class names in code-point order, and a
seeded stratified test split where no test folder exists; the same rules, results and messages
as the studio's (tests/fixtures/image-folder-plan.json holds the TypeScript plans)."""

import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Dict, List, Sequence, Tuple

import numpy as np

from lowrank_studio.batches import validation_indices
from lowrank_studio.cifar import DatasetError

IMAGE_EXTENSIONS = ("jpg", "jpeg", "png", "webp", "gif", "bmp")
# the share of each class's images tested on where the set has no test folder
DEFAULT_TEST_FRACTION = 0.2
# the split's own seed: every run of a set tests on the same images
FOLDER_SPLIT_SEED = 0
# fewer images than this in a class cannot both train and test it
MIN_CLASS_IMAGES = 5
# labels are one byte
MAX_CLASSES = 256

TRAIN_FOLDERS = ("train", "training")
TEST_FOLDERS = ("test", "testing")
VALIDATION_FOLDERS = ("val", "valid", "validation")
SPLIT_FOLDERS = TRAIN_FOLDERS + TEST_FOLDERS + VALIDATION_FOLDERS
NOT_AN_IMAGE = "not an image (JPEG, PNG, WebP, GIF or BMP)"


class ImageFolderError(DatasetError):
    """A set of files that does not make a usable image-folder set; the message is for the user."""


@dataclass(frozen=True)
class FolderImage:
    path: str  # as listed (archive entry or relative file path)
    label: int


@dataclass(frozen=True)
class SkippedFile:
    path: str
    why: str


@dataclass
class FolderPlan:
    class_names: List[str]
    train: List[FolderImage]
    test: List[FolderImage]
    # {"kind": "folder", "folder": name} or {"kind": "seeded", "fraction": f, "seed": s}
    split: Dict[str, Any]
    skipped: List[SkippedFile] = field(default_factory=list)
    # images found in sub-folders of their class folder (counted in that class)
    nested: int = 0


def js_number(value: float) -> str:
    """A number as JavaScript's String(number) writes it (the studio's messages interpolate
    them): 1 not 1.0, 1e-7 not 1e-07, 1e+21."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    mantissa, _, exponent = repr(abs(float(value))).partition("e")
    point = mantissa.find(".") if "." in mantissa else len(mantissa)
    every = mantissa.replace(".", "")
    digits = every.lstrip("0")
    # n: where the decimal point falls after the first significant digit (ECMAScript's
    # Number::toString), k: how many significant digits
    n = point + int(exponent or 0) - (len(every) - len(digits))
    digits = digits.rstrip("0")
    k = len(digits)
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = f"{digits[:n]}.{digits[n:]}"
    elif -6 < n <= 0:
        text = f"0.{'0' * -n}{digits}"
    else:
        rest = f".{digits[1:]}" if k > 1 else ""
        text = f"{digits[0]}{rest}e{'+' if n - 1 >= 0 else '-'}{abs(n - 1)}"
    return sign + text


def js_round(value: float) -> int:
    """Math.round: halves up, where Python's round() goes to the even neighbour."""
    low = math.floor(value)
    return low + 1 if value - low >= 0.5 else low


def components(path: str) -> List[str]:
    """Path components, normalised: forward slashes, no empty or `.` parts, Unicode NFC."""
    parts = unicodedata.normalize("NFC", path).replace("\\", "/").split("/")
    return [part for part in parts if part not in ("", ".")]


def is_system_file(parts: Sequence[str]) -> bool:
    """Files the operating system leaves behind (macOS resource forks, Windows thumbnails)."""
    name = parts[-1].lower()
    return (any(part.startswith(".") or part == "__MACOSX" for part in parts)
            or name in ("thumbs.db", "desktop.ini"))


def is_image_name(name: str) -> bool:
    dot = name.rfind(".")
    return dot >= 0 and name[dot + 1:].lower() in IMAGE_EXTENSIONS


def _is_split_folder(name: str) -> bool:
    return name.lower() in SPLIT_FOLDERS


def _common_root(files: List[List[str]]) -> int:
    """Leading folders every file shares (an archive's own top folder), left out; never a split
    folder, and never so many that a file loses its class folder."""
    if not files:
        return 0
    shortest = min(len(parts) for parts in files)
    depth = 0
    while (depth < shortest - 2 and not _is_split_folder(files[0][depth])
           and all(parts[depth] == files[0][depth] for parts in files)):
        depth += 1
    return depth


Found = Tuple[str, List[str]]  # the path as listed, its components


def _collect_classes(files: Sequence[Found], skipped: List[SkippedFile],
                     counter: Dict[str, int]) -> Dict[str, List[str]]:
    """Class folder -> image paths (in the order met), with files that fit no class skipped."""
    classes: Dict[str, List[str]] = {}
    for path, parts in files:
        if len(parts) < 2:
            skipped.append(SkippedFile(path, "not inside a class folder"))
            continue
        if not is_image_name(parts[-1]):
            skipped.append(SkippedFile(path, NOT_AN_IMAGE))
            continue
        if len(parts) > 2:
            counter["nested"] += 1
        classes.setdefault(parts[0], []).append(path)
    return classes


def _check_classes(classes: Dict[str, List[str]], where: str) -> List[str]:
    names = sorted(classes)
    if not names:
        raise ImageFolderError(
            f"found no images in class folders{where}: the set should be laid out as "
            "<class>/<image> or train/<class>/<image> (JPEG, PNG, WebP, GIF or BMP)")
    if len(names) == 1:
        raise ImageFolderError(f"found one class folder ({names[0]}){where}: a classifier needs "
                               "at least two classes, one folder each")
    if len(names) > MAX_CLASSES:
        raise ImageFolderError(f"found {len(names)} class folders{where}: the studio trains at "
                               f"most {MAX_CLASSES} classes")
    return names


def _labelled(classes: Dict[str, List[str]], names: Sequence[str]) -> List[FolderImage]:
    return [FolderImage(path, label) for label, name in enumerate(names)
            for path in sorted(classes.get(name, []))]


def _seeded_split(images: List[FolderImage], classes: int,
                  fraction: float) -> Tuple[List[FolderImage], List[FolderImage]]:
    """Every class's share of the images, drawn by the seeded stratified rule of validation.ts."""
    count = js_round(len(images) * fraction)
    labels = np.array([image.label for image in images], dtype=np.int64)
    validation, train = validation_indices(labels, classes, count, FOLDER_SPLIT_SEED)
    in_test = set(validation)
    return ([images[i] for i in train],
            [image for i, image in enumerate(images) if i in in_test])


def _check_counts(class_names: Sequence[str], images: Sequence[FolderImage]) -> None:
    counts = [0] * len(class_names)
    for image in images:
        counts[image.label] += 1
    few = [(name, counts[c]) for c, name in enumerate(class_names) if counts[c] < MIN_CLASS_IMAGES]
    if few:
        named = ", ".join(f"'{name}' has {count} image{'' if count == 1 else 's'}"
                          for name, count in few)
        raise ImageFolderError(f"{named}: every class needs at least {MIN_CLASS_IMAGES} images "
                               "to train and test on")


def _seeded_plan(class_names: List[str], images: List[FolderImage], fraction: float,
                 skipped: List[SkippedFile], nested: int) -> FolderPlan:
    _check_counts(class_names, images)
    train, test = _seeded_split(images, len(class_names), fraction)
    return FolderPlan(class_names, train, test,
                      {"kind": "seeded", "fraction": fraction, "seed": FOLDER_SPLIT_SEED},
                      skipped, nested)


def plan_image_folder(paths: Sequence[str],
                      test_fraction: float = DEFAULT_TEST_FRACTION) -> FolderPlan:
    """The plan for a set of files (paths as an archive or a folder lists them); raises
    ImageFolderError, with a message for the user, when they do not make a usable set."""
    fraction = test_fraction
    if not (fraction > 0 and fraction < 1):
        raise ImageFolderError(f"the test share must be between 0 and 1, got {js_number(fraction)}")
    found = [(path, parts) for path, parts in ((p, components(p)) for p in paths)
             if parts and not is_system_file(parts)]
    # a readme beside the class folders does not keep their shared top folder
    image_files = [parts for _, parts in found if is_image_name(parts[-1])]
    root = image_files[0][:_common_root(image_files)] if image_files else []
    skipped: List[SkippedFile] = []
    files: List[Found] = []
    for path, parts in found:
        if parts[:len(root)] == root and len(parts) > len(root):
            files.append((path, parts[len(root):]))
        else:
            skipped.append(SkippedFile(path, f"outside the set's folder ({'/'.join(root)})"))
    counter = {"nested": 0}

    def split_of(parts: List[str]) -> str:
        return parts[0].lower() if len(parts) > 2 else ""

    def by_split(names: Sequence[str]) -> List[Found]:
        return [f for f in files if split_of(f[1]) in names]

    def inner(listed: List[Found]) -> List[Found]:
        return [(path, parts[1:]) for path, parts in listed]

    train_files = by_split(TRAIN_FOLDERS)
    test_files = by_split(TEST_FOLDERS)
    validation_files = by_split(VALIDATION_FOLDERS)

    if not train_files:
        if test_files or validation_files:
            raise ImageFolderError("found a test (or val) folder but no train folder: put the "
                                   "training images in train/<class>/")
        classes = _collect_classes(files, skipped, counter)
        class_names = _check_classes(classes, "")
        return _seeded_plan(class_names, _labelled(classes, class_names), fraction, skipped,
                            counter["nested"])

    test_folder = test_files or validation_files
    tested = {id(f) for f in test_folder}
    for f in files:
        split = split_of(f[1])
        if split in TRAIN_FOLDERS or id(f) in tested:
            continue
        skipped.append(SkippedFile(f[0], (
            "in a validation folder beside the test folder (the test folder is the test set)"
            if split in VALIDATION_FOLDERS else "outside the train and test folders")))
    train_classes = _collect_classes(inner(train_files), skipped, counter)
    class_names = _check_classes(train_classes, " under train/")
    test_classes = _collect_classes(inner(test_folder), skipped, counter)
    unknown = sorted(name for name in test_classes if name not in train_classes)
    if unknown:
        raise ImageFolderError(f"the test folder has classes the train folder lacks "
                               f"({', '.join(unknown)}): every class needs training images")
    train = _labelled(train_classes, class_names)
    if not test_folder:
        return _seeded_plan(class_names, train, fraction, skipped, counter["nested"])
    test = _labelled(test_classes, class_names)
    _check_counts(class_names, train + test)
    return FolderPlan(class_names, train, test, {"kind": "folder", "folder": test_folder[0][1][0]},
                      skipped, counter["nested"])


CIFAR_FILE = re.compile(r"(data_batch_\d|test_batch|train|test)\.bin")
