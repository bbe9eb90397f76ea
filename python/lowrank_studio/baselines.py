"""Baselines at a low-rank run's deployable size, for comparing like with like: a narrower dense
network with about the run's deployable params; the factorised network held at the run's final
ranks from its first step (no pruning); and post-hoc compression, a dense network trained for
part of the run whose kernels are truncated to those ranks by SVD and fine-tuned for the rest.
All read the low-rank run's report.json."""

import json
from typing import Any, Dict, List, Tuple

import numpy as np
import torch

from lowrank_studio.recipe import RecipeError
from lowrank_studio.factorised import svd_factors
from lowrank_studio.resnet import (ResNet, block_plans, factorised_layers, load_tfjs_variables,
                                   stage_widths)

# a narrower dense net must come this close to the low-rank run's deployable params
MATCH_TOLERANCE = 0.02


def lowrank_run(report_path: str) -> Dict[str, Any]:
    """The low-rank run of a report.json (the twin's or npm run experiment's)."""
    try:
        with open(report_path, encoding="utf-8") as file:
            report = json.load(file)
        runs = [run for run in report["runs"] if run["mode"] == "lowrank"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise RecipeError(f"{report_path}: not a report.json with runs ({error})") from error
    if not runs:
        raise RecipeError(f"{report_path}: holds no low-rank run to match")
    return runs[-1]


def dense_params(architecture: str, width: float, input_size: int, classes: int) -> int:
    """Trainable params of the dense network, counted from its plan (no weights drawn): convs
    without bias, BatchNorm's gamma and beta, the classifier with its bias."""
    stem = stage_widths(architecture, width)[0]
    count = 3 * 3 * 3 * stem + 2 * stem
    channels = stem
    for plan in block_plans(architecture, width, input_size):
        cin, cout = plan.in_channels, plan.out_channels
        count += 9 * cin * cout + 9 * cout * cout + 4 * cout
        if plan.shortcut == "projection":
            count += cin * cout + 2 * cout
        channels = cout
    return count + channels * classes + classes


def narrower_width(config: Dict[str, Any], classes: int, params: int) -> Tuple[float, int]:
    """The width multiplier whose dense network has the params nearest `params`, and its params
    (widths that round to the same channel counts are one network, counted once)."""
    best: Tuple[float, int] = (0.0, 0)
    seen = set()
    for width in np.arange(0.0625, config["widthMultiplier"] + 1e-9, 0.001).round(4).tolist():
        widths = tuple(stage_widths(config["architecture"], width))
        if widths in seen:
            continue
        seen.add(widths)
        count = dense_params(config["architecture"], width, config["inputSize"], classes)
        if best[1] == 0 or abs(count - params) < abs(best[1] - params):
            best = (width, count)
    if abs(best[1] - params) > MATCH_TOLERANCE * params:
        raise RecipeError(f"no width of {config['architecture']} comes within "
                          f"{100 * MATCH_TOLERANCE:.0f}% of {params:,} params (nearest: "
                          f"{best[1]:,} at width {best[0]})")
    return best


def rank_plan(run: Dict[str, Any], layer_names: List[str]) -> List[int]:
    """The low-rank run's final rank of each layer, in this network's layer order."""
    ranks = {layer["name"]: layer["finalRank"] for layer in run["layers"]}
    missing = [name for name in layer_names if name not in ranks]
    if missing or len(ranks) != len(layer_names):
        raise RecipeError(f"the report's layers do not match this network's (missing: "
                          f"{', '.join(missing) or 'none'}): it is from another architecture")
    return [ranks[name] for name in layer_names]


def truncate_dense(model: ResNet, dense: Dict[str, torch.Tensor], ranks: List[int]) -> None:
    """Sets the factorised `model` to the dense network's variables (`dense`, TF.js names): each
    factorised layer's U, s, V the leading `ranks` directions of the SVD of its dense kernel,
    every other variable (stem, BatchNorm, the classifier's bias) as it is."""
    values = {name: tensor.detach().cpu() for name, tensor in dense.items()}
    for layer, rank in zip(factorised_layers(model), ranks):
        name = f"{layer.name}/kernel"
        if name not in values:
            raise RecipeError(f"the dense checkpoint has no {name}: it is of another network")
        kernel = values.pop(name).numpy().reshape(layer.rows, layer.cols)
        values.update(zip((f"{layer.name}/U", f"{layer.name}/s", f"{layer.name}/V"),
                          svd_factors(kernel, rank)))
    device = next(model.parameters()).device
    load_tfjs_variables(model, {name: tensor.to(device) for name, tensor in values.items()})
