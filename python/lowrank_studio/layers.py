"""The plain layers of the ResNets (src/model/layers.ts): dense conv, dense classifier and a
BatchNorm whose batch statistics are those of the whole global batch, across processes."""

import numpy as np
import torch
from torch import nn

from lowrank_studio import distributed
from lowrank_studio.conv import conv2d
from lowrank_studio.factorised import he_normal_values

# running = 0.9 running + 0.1 batch, unbiased batch variance (PyTorch's defaults, as the studio)
BN_MOMENTUM = 0.9
BN_EPSILON = 1e-5


class PlainConv(nn.Module):
    kind = "plain-conv"

    def __init__(self, name: str, kernel_size: int, in_channels: int, out_channels: int,
                 stride: int = 1, padding: str = "same", seed: int = 1) -> None:
        super().__init__()
        self.name, self.kernel_size, self.stride, self.padding = name, kernel_size, stride, padding
        self.in_channels, self.out_channels = in_channels, out_channels
        values = he_normal_values(kernel_size * kernel_size * in_channels, out_channels, seed)
        shape = (kernel_size, kernel_size, in_channels, out_channels)
        self.kernel = nn.Parameter(torch.from_numpy(np.ascontiguousarray(values.reshape(shape))))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return conv2d(x, self.kernel, self.stride, self.padding)


class PlainDense(nn.Module):
    kind = "plain-dense"

    def __init__(self, name: str, in_features: int, out_features: int, seed: int = 1) -> None:
        super().__init__()
        self.name, self.in_features, self.out_features = name, in_features, out_features
        self.kernel = nn.Parameter(torch.from_numpy(he_normal_values(in_features, out_features,
                                                                     seed)))
        self.bias = nn.Parameter(torch.zeros(out_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.kernel + self.bias


class BatchNorm(nn.Module):
    """Batch statistics of the global batch in training, running statistics in evaluation.

    torch's SyncBatchNorm runs on CUDA only; this one sums over processes with a differentiable
    all-reduce, on any backend, so a run on N processes normalises exactly as one process would.
    """

    def __init__(self, name: str, channels: int) -> None:
        super().__init__()
        self.name, self.channels = name, channels
        self.gamma = nn.Parameter(torch.ones(channels))
        self.beta = nn.Parameter(torch.zeros(channels))
        self.register_buffer("moving_mean", torch.zeros(channels))
        self.register_buffer("moving_variance", torch.ones(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = (1, self.channels, 1, 1)
        if not self.training:
            scale = self.gamma * torch.rsqrt(self.moving_variance + BN_EPSILON)
            return (x - self.moving_mean.view(shape)) * scale.view(shape) + self.beta.view(shape)
        # the element count travels with the sums: shards of a short last batch differ in size
        local_count = torch.full((1,), x.numel() // self.channels, dtype=x.dtype, device=x.device)
        sums = distributed.all_reduce_sum(torch.cat([x.sum(dim=(0, 2, 3)), local_count]))
        count = sums[-1].detach()
        mean = sums[:-1] / count
        centred = x - mean.view(shape)
        variance = distributed.all_reduce_sum((centred * centred).sum(dim=(0, 2, 3))) / count
        y = centred * torch.rsqrt(variance + BN_EPSILON).view(shape)
        with torch.no_grad():
            unbiased = variance * (count / torch.clamp(count - 1, min=1.0))
            self.moving_mean.mul_(BN_MOMENTUM).add_(mean.detach() * (1 - BN_MOMENTUM))
            self.moving_variance.mul_(BN_MOMENTUM).add_(unbiased.detach() * (1 - BN_MOMENTUM))
        return y * self.gamma.view(shape) + self.beta.view(shape)
