"""conv2d with TF.js semantics on NCHW tensors: kernels held as [k, k, Cin, Cout] and 'same'
padding placed as TensorFlow places it (the odd extra row and column at the bottom and right,
where PyTorch's symmetric padding would shift a stride-2 output by a pixel)."""

from typing import Tuple

import torch
import torch.nn.functional as F


def same_padding(in_size: int, kernel: int, stride: int) -> Tuple[int, int]:
    out_size = -(-in_size // stride)
    total = max((out_size - 1) * stride + kernel - in_size, 0)
    return total // 2, total - total // 2


def conv2d(x: torch.Tensor, kernel: torch.Tensor, stride: int, padding: str) -> torch.Tensor:
    """x [N, Cin, H, W], kernel [k, k, Cin, Cout] -> [N, Cout, H', W']."""
    k = kernel.shape[0]
    if padding == "same":
        top, bottom = same_padding(x.shape[2], k, stride)
        left, right = same_padding(x.shape[3], k, stride)
        if top or bottom or left or right:
            x = F.pad(x, (left, right, top, bottom))
    return F.conv2d(x, kernel.permute(3, 2, 0, 1), stride=stride)
