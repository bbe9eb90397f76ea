"""Factorised conv and dense layers, W = U diag(s) V^T (docs/method.md, "Factorised layers"),
holding the same variables as src/lowrank/factorised.ts: U [rows, r] with rows in TF.js kernel
order (kh, kw, Cin), s [r], V [cols, r]. Pruning replaces the parameters with smaller ones."""

import math
from typing import Optional

import numpy as np
import torch
from torch import nn

from lowrank_studio.conv import conv2d
from lowrank_studio.seeded import Random


def he_normal_values(rows: int, cols: int, seed: int) -> np.ndarray:
    """He-normal [rows, cols] float32 values from the studio's seeded generator (same values)."""
    std = math.sqrt(2 / rows)
    return (std * Random(seed).normals(rows * cols)).astype(np.float32).reshape(rows, cols)


def svd_factors(matrix: np.ndarray, max_rank: Optional[int] = None):
    """Thin SVD in float64, singular values descending, the leading `max_rank` directions.

    The studio runs a one-sided Jacobi SVD; LAPACK's gives the same s and the same U diag(s) V^T,
    with each pair (u_i, v_i) possibly of the opposite sign, a symmetry of the whole loss.
    """
    u, s, vt = np.linalg.svd(matrix.astype(np.float64), full_matrices=False)
    v = vt.T
    # a fixed sign per direction (largest |v| entry positive), so runs are reproducible
    flip = np.sign(v[np.abs(v).argmax(axis=0), np.arange(v.shape[1])])
    flip[flip == 0] = 1
    u, v = u * flip, v * flip
    rank = len(s) if not max_rank else min(len(s), max(1, max_rank))
    as32 = lambda a: torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))  # noqa: E731
    return as32(u[:, :rank]), as32(s[:rank]), as32(v[:, :rank])


class Factorised(nn.Module):
    """What the conv and dense layers share: the factors, their rank and cost."""

    name: str
    rows: int
    cols: int

    def init_factors(self, kernel: Optional[np.ndarray], seed: int,
                     max_rank: Optional[int]) -> None:
        values = he_normal_values(self.rows, self.cols, seed) if kernel is None else kernel
        U, s, V = svd_factors(np.asarray(values).reshape(self.rows, self.cols), max_rank)
        self.U, self.s, self.V = nn.Parameter(U), nn.Parameter(s), nn.Parameter(V)

    @property
    def rank(self) -> int:
        return self.s.shape[0]

    @property
    def full_rank(self) -> int:
        return min(self.rows, self.cols)

    @property
    def break_even_rank(self) -> float:
        return self.rows * self.cols / (self.rows + self.cols)

    def choose_form(self) -> str:
        return "lowrank" if self.rank < self.break_even_rank else "composed"

    def composed_matrix(self) -> torch.Tensor:
        return (self.U * self.s) @ self.V.t()


class FactorisedConv(Factorised):
    kind = "conv"

    def __init__(self, name: str, kernel_size: int, in_channels: int, out_channels: int,
                 stride: int = 1, padding: str = "same", kernel: Optional[np.ndarray] = None,
                 seed: int = 1, max_rank: Optional[int] = None) -> None:
        super().__init__()
        self.name, self.kernel_size, self.stride, self.padding = name, kernel_size, stride, padding
        self.in_channels, self.out_channels = in_channels, out_channels
        self.rows, self.cols = kernel_size * kernel_size * in_channels, out_channels
        self.init_factors(kernel, seed, max_rank)

    def composed_kernel(self) -> torch.Tensor:
        k = self.kernel_size
        return self.composed_matrix().reshape(k, k, self.in_channels, self.out_channels)

    def forward(self, x: torch.Tensor, form: Optional[str] = None) -> torch.Tensor:
        form = form or self.choose_form()
        if form == "composed":
            return conv2d(x, self.composed_kernel(), self.stride, self.padding)
        k, rank = self.kernel_size, self.rank
        projected = conv2d(x, self.U.reshape(k, k, self.in_channels, rank), self.stride,
                           self.padding)
        scaled = projected * self.s.view(1, rank, 1, 1)
        # V^T as a 1x1 conv from r to Cout channels
        return torch.nn.functional.conv2d(scaled, self.V.view(self.out_channels, rank, 1, 1))


class FactorisedDense(Factorised):
    kind = "dense"

    def __init__(self, name: str, in_features: int, out_features: int,
                 kernel: Optional[np.ndarray] = None, seed: int = 1,
                 max_rank: Optional[int] = None) -> None:
        super().__init__()
        self.name, self.in_features, self.out_features = name, in_features, out_features
        self.rows, self.cols = in_features, out_features
        self.init_factors(kernel, seed, max_rank)
        self.bias = nn.Parameter(torch.zeros(out_features))

    def forward(self, x: torch.Tensor, form: Optional[str] = None) -> torch.Tensor:
        form = form or self.choose_form()
        if form == "composed":
            return x @ self.composed_matrix() + self.bias
        return ((x @ self.U) * self.s) @ self.V.t() + self.bias
