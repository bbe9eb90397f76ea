"""The two extra loss terms of DPRP (docs/method.md, "Loss"; src/lowrank/regularisers.ts): keep
the factors orthonormal, and push each layer's singular values towards sparsity, normalised so
that the rank term lies in [0, 1] on every net."""

import math
from typing import Optional, Sequence, Tuple

import torch

from lowrank_studio.factorised import Factorised

RANK_TERMS = ("hoyer", "l1-max", "hoyer-square")
# keeps the L2 norm away from 0 so every term has a finite gradient when all s_i are 0
NORM_FLOOR = 1e-12


def _gram_deviation(factor: torch.Tensor) -> torch.Tensor:
    gram = factor.t() @ factor
    eye = torch.eye(factor.shape[1], dtype=factor.dtype, device=factor.device)
    return ((gram - eye) ** 2).sum()


def orthogonality_loss(layer: Factorised) -> torch.Tensor:
    """(||U^T U - I||_F^2 + ||V^T V - I||_F^2) / r^2"""
    return (_gram_deviation(layer.U) + _gram_deviation(layer.V)) / (layer.rank * layer.rank)


def rank_loss(s: torch.Tensor, term: str) -> torch.Tensor:
    l1 = s.abs().sum()
    if term == "hoyer":
        # sqrt of the floored square, not a floored norm: sqrt'(0) is infinite even behind a max
        return l1 / torch.sqrt(torch.clamp((s * s).sum(), min=NORM_FLOOR * NORM_FLOOR))
    if term == "hoyer-square":
        return l1 * l1 / torch.clamp((s * s).sum(), min=NORM_FLOOR)
    if term == "l1-max":
        return l1 / torch.clamp(s.abs().max(), min=NORM_FLOOR)
    raise ValueError(f"unknown rank term {term}")


def rank_term_maximum(term: str, full_rank: int) -> float:
    """The term on a flat spectrum at full rank (its minimum is 1)."""
    return math.sqrt(full_rank) if term == "hoyer" else float(full_rank)


def normalised_rank_loss(s: torch.Tensor, term: str, full_rank: int) -> Optional[torch.Tensor]:
    """(H(s) - 1) / (H_max(r0) - 1); None for a layer whose full rank is 1."""
    maximum = rank_term_maximum(term, full_rank)
    if maximum <= 1:
        return None
    return (rank_loss(s, term) - 1) / (maximum - 1)


def regularisation(layers: Sequence[Factorised], lambda_orth: float, lambda_rank: float,
                   rank_term: str) -> Tuple[torch.Tensor, torch.Tensor]:
    """lambda_o * sum of the orthogonality losses, lambda_r * mean of the normalised rank terms."""
    device = layers[0].s.device if layers else "cpu"
    orth = torch.zeros((), device=device)
    terms = []
    for layer in layers:
        if lambda_orth != 0:
            orth = orth + orthogonality_loss(layer)
        if lambda_rank == 0:
            continue
        term = normalised_rank_loss(layer.s, rank_term, layer.full_rank)
        if term is not None:
            terms.append(term)
    rank = torch.stack(terms).sum() / len(terms) if terms else torch.zeros((), device=device)
    return orth * lambda_orth, rank * lambda_rank
