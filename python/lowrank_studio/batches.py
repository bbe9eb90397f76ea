"""Images into training batches (src/data/batches.ts, resize.ts, dataset.ts): the first K images,
a one-off resize to the input size, per-channel statistics, the seeded epoch order, 4-pixel pad
+ random crop + flip, normalisation. The random draws are the studio's, so the order of images
and their crops are those of the TypeScript trainer with the same seed."""

import dataclasses
import hashlib
import math
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import torch

from lowrank_studio.cifar import Dataset, Split
from lowrank_studio.seeded import Random

CROP_PADDING = 4


VALIDATION_SALT = 0x5EED0A11
# every run holds out the same images whatever its own seed (VALIDATION_SPLIT_SEED of
# src/data/validation.ts)
VALIDATION_SPLIT_SEED = 0


def class_quotas(labels: np.ndarray, classes: int, count: int) -> List[int]:
    """Each class's share of `count` (classQuotas of src/data/validation.ts)."""
    sizes = np.bincount(labels, minlength=classes)
    exact = [count * int(size) / len(labels) for size in sizes]
    quotas = [math.floor(value) for value in exact]
    order = sorted(range(classes), key=lambda c: (-(exact[c] - math.floor(exact[c])), c))
    for k in range(count - sum(quotas)):
        quotas[order[k % classes]] += 1
    return quotas


def validation_indices(labels: np.ndarray, classes: int, count: int,
                       seed: int) -> Tuple[List[int], List[int]]:
    """The images held out for validation, stratified and seeded, and the rest in order
    (validationIndices of src/data/validation.ts: the same images for the same seed)."""
    if count < 0 or count >= len(labels):
        raise ValueError(f"a validation split needs between 0 and {len(labels) - 1} of the "
                         f"{len(labels)} training images, got {count}")
    quotas = class_quotas(labels, classes, count)
    held = np.zeros(len(labels), dtype=bool)
    validation: List[int] = []
    for i in Random((seed ^ VALIDATION_SALT) & 0xFFFFFFFF).permutation(len(labels)).tolist():
        if quotas[labels[i]] == 0:
            continue
        quotas[labels[i]] -= 1
        held[i] = True
        validation.append(i)
    return validation, np.nonzero(~held)[0].tolist()


def hold_out(split: Split, classes: int, count: int, seed: int) -> Tuple[Split, Split]:
    """A split divided into its training and validation images (holdOut)."""
    validation, train = validation_indices(split.labels, classes, count, seed)
    return (Split(split.images[train], split.labels[train]),
            Split(split.images[validation], split.labels[validation]))


def with_validation(dataset: Dataset, count: int) -> Tuple[Dataset, Split]:
    """The dataset a run sees with `count` training images held out (its test split is the
    validation split, evaluated every epoch) and the real test split, read once at the end
    (withValidation of src/data/validation.ts)."""
    train, validation = hold_out(dataset.train, len(dataset.class_names), count,
                                 VALIDATION_SPLIT_SEED)
    return dataclasses.replace(dataset, train=train, test=validation), dataset.test


def limit_split(split: Split, limit: Optional[int]) -> Split:
    if not limit or limit >= split.count:
        return split
    return Split(split.images[:limit], split.labels[:limit])


def resize_split(split: Split, source: int, size: int) -> Split:
    """Bilinear with half-pixel centres, rounded to bytes, as resizeSplit."""
    if source == size:
        return split
    scale = source / size
    positions = np.clip((np.arange(size) + 0.5) * scale - 0.5, 0, source - 1)
    low = np.floor(positions).astype(np.int64)
    high = np.minimum(source - 1, low + 1)
    weight = positions - low
    images = split.images.astype(np.float64)
    wx = weight[None, None, :, None]
    rows_low, rows_high = images[:, low], images[:, high]
    top = rows_low[:, :, low] * (1 - wx) + rows_low[:, :, high] * wx
    bottom = rows_high[:, :, low] * (1 - wx) + rows_high[:, :, high] * wx
    wy = weight[None, :, None, None]
    resized = np.floor(top * (1 - wy) + bottom * wy + 0.5).astype(np.uint8)
    return Split(resized, split.labels)


def channel_stats(split: Split) -> Dict[str, Tuple[float, float, float]]:
    """Per-channel mean and std of the pixels on the 0-1 scale (channelStats)."""
    pixels = split.images.reshape(-1, 3).astype(np.int64)
    count = max(1, len(pixels))
    mean = pixels.sum(axis=0) / count
    squares = (pixels * pixels).sum(axis=0) / count
    std = np.sqrt(np.maximum(squares - mean ** 2, 1e-6))
    return {"mean": tuple(float(m) / 255 for m in mean), "std": tuple(float(s) / 255 for s in std)}


def fingerprint(split: Split) -> str:
    """A short digest of pixels and labels, to refuse resuming on other data."""
    digest = hashlib.sha256(split.images.tobytes())
    digest.update(split.labels.tobytes())
    return digest.hexdigest()[:16]


class EpochSampler:
    """Shuffles each epoch from a seeded generator and hands out index batches (EpochSampler)."""

    def __init__(self, count: int, seed: int) -> None:
        self.count = count
        self.random = Random(seed)
        self.cursor = {"epoch": 0, "position": 0, "order": self.random.permutation(count),
                       "randomState": self.random.state}

    @property
    def epoch(self) -> int:
        return self.cursor["epoch"]

    @property
    def position(self) -> int:
        return self.cursor["position"]

    def steps_per_epoch(self, batch_size: int) -> int:
        return -(-self.count // batch_size)

    def next(self, batch_size: int) -> Tuple[np.ndarray, int, bool]:
        order, position, epoch = self.cursor["order"], self.cursor["position"], self.cursor["epoch"]
        indices = order[position:position + batch_size]
        end_of_epoch = position + len(indices) >= self.count
        if end_of_epoch:
            self.cursor = {"epoch": epoch + 1, "position": 0,
                           "order": self.random.permutation(self.count),
                           "randomState": self.random.state}
        else:
            self.cursor = {**self.cursor, "position": position + len(indices)}
        return indices, epoch, end_of_epoch

    def save(self) -> Dict[str, Any]:
        return {**self.cursor, "order": self.cursor["order"].copy(),
                "randomState": self.random.state}

    def restore(self, cursor: Dict[str, Any]) -> None:
        if len(cursor["order"]) != self.count:
            raise ValueError("sampler: saved order is for another dataset size")
        self.cursor = {**cursor, "order": np.asarray(cursor["order"]).copy()}
        self.random.state = cursor["randomState"]


def random_augmentation(count: int, random: Random) -> np.ndarray:
    """[count, 3]: crop offsets y, x in 0..2*padding and the flip (randomAugmentation's draws)."""
    draws = random.uniforms(3 * count).reshape(count, 3)
    span = 2 * CROP_PADDING + 1
    return np.stack([np.floor(draws[:, 0] * span), np.floor(draws[:, 1] * span),
                     draws[:, 2] < 0.5], axis=1).astype(np.int64)


def pad_crop_flip(x: torch.Tensor, augmentation: np.ndarray) -> torch.Tensor:
    """x [N, C, H, W]: zero-pad by 4, take each example's window, mirror where flipped. One
    gather for the whole batch (no per-image work), so a GPU is fed at its own pace."""
    n, _, height, width = x.shape
    padded = torch.nn.functional.pad(x, (CROP_PADDING,) * 4).permute(0, 2, 3, 1)
    draws = torch.as_tensor(augmentation, device=x.device)
    rows = draws[:, 0:1] + torch.arange(height, device=x.device)
    cols = draws[:, 1:2] + torch.arange(width, device=x.device)
    # a mirrored window is the window's columns in reverse order
    cols = torch.where(draws[:, 2:3].bool(), cols.flip(-1), cols)
    batch = torch.arange(n, device=x.device)[:, None, None]
    return padded[batch, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2).contiguous()


def on_device(split: Split, device: Any) -> Split:
    """The split's pixels and labels as tensors on `device`, uploaded once, so that batches are
    gathered there instead of crossing the bus every step (a no-op on the CPU)."""
    if str(device) == "cpu":
        return split
    return Split(torch.from_numpy(split.images).to(device),
                 torch.from_numpy(split.labels.astype(np.int64)).to(device))


def make_batch(split: Split, indices: np.ndarray, stats: Dict[str, Any],
               augmentation: Optional[np.ndarray] = None, device: Any = "cpu") -> Tuple[
                       torch.Tensor, torch.Tensor]:
    """Images [N, 3, H, W] normalised (augmented first when given) and labels [N]; `split` as
    loaded, or as on_device made it."""
    if isinstance(split.images, torch.Tensor):
        chosen = torch.as_tensor(indices, device=split.images.device)
        pixels, labels = split.images[chosen], split.labels[chosen]
    else:
        pixels = torch.from_numpy(split.images[indices]).to(device)
        labels = torch.from_numpy(split.labels[indices].astype(np.int64)).to(device)
    x = pixels.permute(0, 3, 1, 2).float() / 255
    if augmentation is not None:
        x = pad_crop_flip(x, augmentation)
    mean = torch.tensor(stats["mean"], dtype=torch.float32, device=device).view(1, 3, 1, 1)
    std = torch.tensor(stats["std"], dtype=torch.float32, device=device).view(1, 3, 1, 1)
    return (x - mean) / std, labels
