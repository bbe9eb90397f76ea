"""The batched crop and flip takes the same pixels as one window per image would."""

import numpy as np
import torch

from lowrank_studio.batches import CROP_PADDING, make_batch, on_device, pad_crop_flip
from lowrank_studio.cifar import Split


def one_window_each(x: torch.Tensor, augmentation: np.ndarray) -> torch.Tensor:
    height, width = x.shape[2:]
    padded = torch.nn.functional.pad(x, (CROP_PADDING,) * 4)
    out = torch.empty_like(x)
    for i, (top, left, flip) in enumerate(augmentation.tolist()):
        window = padded[i, :, top:top + height, left:left + width]
        out[i] = window.flip(-1) if flip else window
    return out


def test_batched_crop_and_flip_equal_one_window_per_image():
    generator = np.random.default_rng(3)
    x = torch.from_numpy(generator.random((6, 3, 5, 7)).astype(np.float32))
    augmentation = np.stack([generator.integers(0, 9, 6), generator.integers(0, 9, 6),
                             generator.integers(0, 2, 6)], axis=1)
    assert torch.equal(pad_crop_flip(x, augmentation), one_window_each(x, augmentation))


def test_a_split_on_the_device_gives_the_same_batch():
    generator = np.random.default_rng(4)
    split = Split(generator.integers(0, 256, (9, 4, 4, 3), dtype=np.uint8),
                  generator.integers(0, 10, 9).astype(np.uint8))
    stats = {"mean": (0.5, 0.4, 0.3), "std": (0.2, 0.25, 0.3)}
    indices = np.array([3, 0, 7])
    tensors = Split(torch.from_numpy(split.images), torch.from_numpy(split.labels.astype(np.int64)))
    assert on_device(split, "cpu") is split
    for a, b in zip(make_batch(split, indices, stats), make_batch(tensors, indices, stats)):
        assert torch.equal(a, b)
