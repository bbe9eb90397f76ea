"""Dynamic rank pruning (src/lowrank/pruning.ts): which directions to keep from |s|, and slicing
U, s, V (and the optimiser's slots) into new, smaller parameters. Pruned rank never grows back."""

from typing import Any, Dict, List, Optional, Sequence

import numpy as np
import torch
from torch import nn

from lowrank_studio.factorised import Factorised, svd_factors
from lowrank_studio.optimisers import Optimiser


def directions_to_keep(singular_values: Sequence[float], rule: Dict[str, Any],
                       min_rank: int = 1) -> List[int]:
    """Indices to keep, ascending; at least `min_rank`. rule: {kind: relative, threshold} or
    {kind: energy, epsilon}."""
    magnitudes = [abs(float(v)) for v in singular_values]
    by_magnitude = sorted(range(len(magnitudes)), key=lambda i: -magnitudes[i])
    if rule["kind"] == "relative":
        cut = rule["threshold"] * (magnitudes[by_magnitude[0]] if magnitudes else 0)
        keep_count = sum(1 for m in magnitudes if m >= cut and m > 0)
    else:
        energies = [magnitudes[i] ** 2 for i in by_magnitude]
        total = 0.0
        for energy in energies:
            total += energy
        held, keep_count = 0.0, 0
        while keep_count < len(energies) and held < (1 - rule["epsilon"]) * total:
            held += energies[keep_count]
            keep_count += 1
    keep_count = min(len(magnitudes), max(keep_count, min_rank, 1))
    return sorted(by_magnitude[:keep_count])


def strongest_directions(singular_values: Sequence[float], count: int) -> List[int]:
    """Indices of the `count` largest non-zero |s| (at least one), ascending."""
    magnitudes = [abs(float(v)) for v in singular_values]
    nonzero = directions_to_keep(magnitudes, {"kind": "relative", "threshold": 0}, 1)
    return sorted(sorted(nonzero, key=lambda i: -magnitudes[i])[:count])


def _slice(layer: Factorised, key: str, axis: int, keep: Sequence[int],
           optimiser: Optional[Optimiser]) -> None:
    old = getattr(layer, key)
    index = torch.tensor(list(keep), dtype=torch.long, device=old.device)
    setattr(layer, key, nn.Parameter(old.detach().index_select(axis, index).clone()))
    if optimiser is not None:
        optimiser.slice_slots(f"{layer.name}/{key}", axis, keep)


def prune_layer(layer: Factorised, keep: Sequence[int],
                optimiser: Optional[Optimiser] = None) -> Dict[str, Any]:
    """Keeps directions `keep` of the layer in place; returns the PruneEvent."""
    old_rank = layer.rank
    if len(keep) == 0:
        raise ValueError(f"prune {layer.name}: must keep at least one direction")
    keep = [int(i) for i in keep]
    if any(i < 0 or i >= old_rank for i in keep):
        raise ValueError(f"prune {layer.name}: direction index out of range 0..{old_rank - 1}")
    if len(keep) < old_rank:
        _slice(layer, "U", 1, keep, optimiser)
        _slice(layer, "s", 0, keep, optimiser)
        _slice(layer, "V", 1, keep, optimiser)
    return {"layer": layer.name, "oldRank": old_rank, "newRank": len(keep)}


def reorthonormalise(layer: Factorised, optimiser: Optional[Optimiser] = None) -> None:
    """Optional at a prune event: the exact SVD of U diag(s) V^T at the same rank; the slots no
    longer match the new factors, so they are dropped."""
    rank = layer.rank
    weight = layer.composed_matrix().detach().cpu().numpy()
    U, s, V = svd_factors(np.asarray(weight, dtype=np.float64), rank)
    for key, value in (("U", U), ("s", s), ("V", V)):
        if optimiser is not None:
            optimiser.drop_slots(f"{layer.name}/{key}")
        setattr(layer, key, nn.Parameter(value.to(layer.s.device)))
