"""Fade before cut (src/lowrank/fading.ts): the directions the next prune event will cut are
shrunk after every step, so that by the cut they hold almost nothing."""

from typing import List, Optional, Sequence

import torch

from lowrank_studio.factorised import Factorised

# what is left of a fading direction's s when the next event cuts it
FADE_LEFT = 0.01


class Fading:
    def __init__(self) -> None:
        self.masks: List[Optional[torch.Tensor]] = []

    def set(self, layers: Sequence[Factorised], indices: Sequence[Sequence[int]]) -> None:
        self.masks = []
        for li, layer in enumerate(layers):
            fading = indices[li] if li < len(indices) else []
            if not fading:
                self.masks.append(None)
                continue
            mask = torch.zeros(layer.rank, device=layer.s.device)
            mask[list(fading)] = 1
            self.masks.append(mask)

    @torch.no_grad()
    def apply(self, layers: Sequence[Factorised], steps: int) -> None:
        """Multiplies the fading s by the factor that takes them to FADE_LEFT in `steps` steps."""
        if all(mask is None for mask in self.masks):
            return
        factor = FADE_LEFT ** (1 / max(1, steps))
        for layer, mask in zip(layers, self.masks):
            if mask is not None:
                layer.s.mul_(1 - mask * (1 - factor))
