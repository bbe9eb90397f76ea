"""One optimisation step: CE + lambda_o orth + lambda_r rank -> gradients -> optimiser
(src/lowrank/step.ts and Trainer.trainStep). With several processes each holds a shard of the
global batch; its cross-entropy is scaled so that DDP's gradient average is the global mean."""

from typing import Dict, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from lowrank_studio import distributed
from lowrank_studio.optimisers import Optimiser
from lowrank_studio.regularisers import regularisation
from lowrank_studio.resnet import ResNet, factorised_layers, trainable_params


def losses(model: ResNet, run: nn.Module, images: torch.Tensor, labels: torch.Tensor,
           global_count: int,
           lambda_orth: float, lambda_rank: float, rank_term: str) -> Dict[str, torch.Tensor]:
    """The terms of the loss; `run` is the model or its DDP wrapper (whose forward syncs)."""
    logits = run(images)
    ce_sum = F.cross_entropy(logits, labels, reduction="sum")
    world = distributed.current().size
    layers = factorised_layers(model)
    if model.config.mode == "lowrank" and layers:
        orth, rank = regularisation(layers, lambda_orth, lambda_rank, rank_term)
    else:
        orth = rank = torch.zeros((), device=images.device)
    correct = (logits.argmax(dim=1) == labels).sum()
    return {"crossEntropyShare": ce_sum * (world / global_count), "crossEntropySum": ce_sum,
            "orth": orth, "rank": rank, "correct": correct}


def optimise(model: ResNet, optimiser: Optimiser, weight_decay: float) -> None:
    """Applies the gradients now on the parameters (DDP has averaged them), then clears them."""
    updates = []
    for name, param, decay in trainable_params(model, weight_decay):
        gradient = param.grad if param.grad is not None else torch.zeros_like(param)
        updates.append((name, param, gradient, decay))
    optimiser.apply(updates)
    for _, param, _ in trainable_params(model, 0.0):
        param.grad = None


def train_step(model: ResNet, run: nn.Module, optimiser: Optimiser, images: torch.Tensor,
               labels: torch.Tensor, global_count: int, settings: Dict[str, float]) -> Tuple[
                       Dict[str, float], int]:
    """One step on this process's shard; returns the global metrics and the global count correct.
    settings: lambdaOrth, lambdaRank (already ramped), rankTerm, weightDecay."""
    terms = losses(model, run, images, labels, global_count, settings["lambdaOrth"],
                   settings["lambdaRank"], settings["rankTerm"])
    (terms["crossEntropyShare"] + terms["orth"] + terms["rank"]).backward()
    optimise(model, optimiser, settings["weightDecay"])
    correct = terms["correct"].detach().to(terms["orth"].dtype)
    totals = distributed.sum_values(torch.stack([terms["crossEntropySum"].detach(), correct]))
    ce, correct = (totals.cpu() / torch.tensor([global_count, 1.0])).tolist()
    orth, rank = float(terms["orth"]), float(terms["rank"])
    return {"crossEntropy": ce, "orth": orth, "rank": rank,
            "total": ce + orth + rank}, int(round(correct))


def parameter_names(model: ResNet) -> Sequence[str]:
    return [name for name, _, _ in trainable_params(model, 0.0)]
