"""CIFAR ResNets (3 stages of 16/32/64, option-A shortcuts) and the CIFAR ResNet-18 (4 stages of
64-512, 1x1 projections), dense or factorised, built as src/model/resnet.ts builds them: the same
layer order, seeds and variable names (`tfjs_variables`), so weights move across unchanged."""

import math
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn.functional as F
from torch import nn

from lowrank_studio.factorised import Factorised, FactorisedConv, FactorisedDense
from lowrank_studio.layers import BatchNorm, PlainConv, PlainDense

ARCHITECTURES = {
    "resnet8": ([1, 1, 1], [16, 32, 64], "option-a"),
    "resnet20": ([3, 3, 3], [16, 32, 64], "option-a"),
    "resnet32": ([5, 5, 5], [16, 32, 64], "option-a"),
    "resnet56": ([9, 9, 9], [16, 32, 64], "option-a"),
    "resnet18": ([2, 2, 2, 2], [64, 128, 256, 512], "projection"),
}

Conv = Union[FactorisedConv, PlainConv]


@dataclass
class ModelConfig:
    architecture: str
    mode: str
    width_multiplier: float
    input_size: int
    classes: int
    seed: int
    max_rank: int = 0


def stage_widths(architecture: str, width_multiplier: float) -> List[int]:
    # floor(x + 0.5): JavaScript's Math.round
    return [max(1, math.floor(c * width_multiplier + 0.5)) for c in ARCHITECTURES[architecture][1]]


@dataclass
class BlockPlan:
    name: str
    in_channels: int
    out_channels: int
    stride: int
    out_size: int
    shortcut: str


def block_plans(architecture: str, width_multiplier: float, input_size: int) -> List[BlockPlan]:
    blocks_per_stage, _, shortcut_kind = ARCHITECTURES[architecture]
    widths = stage_widths(architecture, width_multiplier)
    plans, channels, size = [], widths[0], input_size
    for stage, count in enumerate(blocks_per_stage):
        for index in range(count):
            out_channels = widths[stage]
            stride = 2 if stage > 0 and index == 0 else 1
            out_size = -(-size // stride)
            changes = stride != 1 or out_channels != channels
            shortcut = "identity" if not changes else (
                "pad" if shortcut_kind == "option-a" else "projection")
            plans.append(BlockPlan(f"stage{stage + 1}/block{index + 1}", channels, out_channels,
                                   stride, out_size, shortcut))
            channels, size = out_channels, out_size
    return plans


class Block(nn.Module):
    def __init__(self, plan: BlockPlan, conv1: Conv, bn1: BatchNorm, conv2: Conv, bn2: BatchNorm,
                 projection: Optional[Tuple[Conv, BatchNorm]]) -> None:
        super().__init__()
        self.name, self.plan, self.out_size = plan.name, plan, plan.out_size
        self.conv1, self.bn1, self.conv2, self.bn2 = conv1, bn1, conv2, bn2
        self.shortcut_conv = projection[0] if projection else None
        self.shortcut_bn = projection[1] if projection else None
        extra = plan.out_channels - plan.in_channels
        self.pad = (extra // 2, extra - extra // 2)

    def shortcut(self, x: torch.Tensor) -> torch.Tensor:
        kind = self.plan.shortcut
        if kind == "identity":
            return x
        if kind == "projection":
            return self.shortcut_bn(self.shortcut_conv(x))
        # option A: subsample by the stride (TF.js: a 1x1 average pool), zero-pad new channels
        stride = self.plan.stride
        subsampled = x if stride == 1 else x[:, :, ::stride, ::stride]
        return F.pad(subsampled, (0, 0, 0, 0, self.pad[0], self.pad[1]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(h))
        return torch.relu(y + self.shortcut(x))


class ResNet(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        widths = stage_widths(config.architecture, config.width_multiplier)
        lowrank = config.mode == "lowrank"
        max_rank = config.max_rank or None
        seed = config.seed * 1000

        def conv(name: str, cin: int, cout: int, stride: int, k: int = 3) -> Conv:
            nonlocal seed
            seed += 1
            if lowrank:
                return FactorisedConv(name, k, cin, cout, stride, seed=seed, max_rank=max_rank)
            return PlainConv(name, k, cin, cout, stride, seed=seed)

        seed += 1
        self.stem_conv = PlainConv("stem/conv", 3, 3, widths[0], 1, seed=seed)
        self.stem_bn = BatchNorm("stem/bn", widths[0])
        blocks = []
        channels = widths[0]
        for plan in block_plans(config.architecture, config.width_multiplier, config.input_size):
            # the order of the TypeScript builder: shortcut conv, conv1, conv2 (seeds follow it)
            projection = None
            if plan.shortcut == "projection":
                projection = (conv(f"{plan.name}/shortcut", plan.in_channels, plan.out_channels,
                                   plan.stride, 1),
                              BatchNorm(f"{plan.name}/shortcut-bn", plan.out_channels))
            conv1 = conv(f"{plan.name}/conv1", plan.in_channels, plan.out_channels, plan.stride)
            bn1 = BatchNorm(f"{plan.name}/bn1", plan.out_channels)
            conv2 = conv(f"{plan.name}/conv2", plan.out_channels, plan.out_channels, 1)
            bn2 = BatchNorm(f"{plan.name}/bn2", plan.out_channels)
            blocks.append(Block(plan, conv1, bn1, conv2, bn2, projection))
            channels = plan.out_channels
        self.blocks = nn.ModuleList(blocks)
        seed += 1
        if lowrank:
            self.classifier = FactorisedDense("classifier", channels, config.classes, seed=seed,
                                              max_rank=max_rank)
        else:
            self.classifier = PlainDense("classifier", channels, config.classes, seed=seed)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """images [N, 3, H, W] (normalised) -> logits [N, classes]."""
        x = torch.relu(self.stem_bn(self.stem_conv(images)))
        for block in self.blocks:
            x = block(x)
        return self.classifier(x.mean(dim=(2, 3)))


def convs_with_sizes(model: ResNet) -> List[Tuple[Conv, int]]:
    """Every conv with the side of its output, in the order of convsWithSizes."""
    out = [(model.stem_conv, model.config.input_size)]
    for block in model.blocks:
        out += [(block.conv1, block.out_size), (block.conv2, block.out_size)]
        if block.shortcut_conv is not None:
            out.append((block.shortcut_conv, block.out_size))
    return out


def factorised_layers(model: ResNet) -> List[Factorised]:
    layers: List[Factorised] = [c for c,
                                _ in convs_with_sizes(model) if isinstance(c, FactorisedConv)]
    if isinstance(model.classifier, FactorisedDense):
        layers.append(model.classifier)
    return layers


def batch_norms(model: ResNet) -> List[BatchNorm]:
    norms = [model.stem_bn]
    for block in model.blocks:
        norms += [block.bn1,
                  block.bn2] + ([block.shortcut_bn] if block.shortcut_bn is not None else [])
    return norms


def trainable_params(model: ResNet, weight_decay: float) -> List[Tuple[str, nn.Parameter, float]]:
    """(TF.js name, parameter, weight decay) in trainableParams order: none on U and V."""
    params: List[Tuple[str, nn.Parameter, float]] = []

    def factors(layer: Factorised) -> None:
        params.extend([(f"{layer.name}/U", layer.U, 0.0), (f"{layer.name}/s", layer.s,
                                                           weight_decay),
                       (f"{layer.name}/V", layer.V, 0.0)])

    for conv, _ in convs_with_sizes(model):
        if isinstance(conv, FactorisedConv):
            factors(conv)
        else:
            params.append((f"{conv.name}/kernel", conv.kernel, weight_decay))
    for bn in batch_norms(model):
        params += [(f"{bn.name}/gamma", bn.gamma, weight_decay), (f"{bn.name}/beta", bn.beta,
                                                                  weight_decay)]
    classifier = model.classifier
    if isinstance(classifier, FactorisedDense):
        factors(classifier)
    else:
        params.append((f"{classifier.name}/kernel", classifier.kernel, weight_decay))
    params.append((f"{classifier.name}/bias", classifier.bias, weight_decay))
    return params


def tfjs_variables(model: ResNet) -> Dict[str, torch.Tensor]:
    """Every variable under its TF.js name (allVariables order): weights move across 1:1."""
    named = {name: p for name, p, _ in trainable_params(model, 0.0)}
    for bn in batch_norms(model):
        named[f"{bn.name}/movingMean"] = bn.moving_mean
        named[f"{bn.name}/movingVariance"] = bn.moving_variance
    return named


def load_tfjs_variables(model: ResNet, values: Dict[str, torch.Tensor]) -> None:
    """Takes every variable from `values` (TF.js names and shapes); factor shapes may be smaller
    than the model's (a pruned network), and the factors are then replaced."""
    for layer in factorised_layers(model):
        for key in ("U", "s", "V"):
            setattr(layer, key,
                    nn.Parameter(values[f"{layer.name}/{key}"].detach().clone().float()))
    with torch.no_grad():
        for name, tensor in tfjs_variables(model).items():
            saved = values[name]
            if tuple(saved.shape) != tuple(tensor.shape):
                raise ValueError(f"{name} is {list(saved.shape)}, this network's is "
                                 f"{list(tensor.shape)}: "
                                 "it is of another network")
            tensor.copy_(saved)


def accounting_inputs(model: ResNet):
    """Shapes of the factorised layers and the fixed cost of the rest (accountingInputs)."""
    shapes, fixed = [], {"params": 0, "macs": 0}
    for conv, out_size in convs_with_sizes(model):
        rows = conv.kernel_size * conv.kernel_size * conv.in_channels
        if isinstance(conv, FactorisedConv):
            shapes.append({"kind": "conv", "name": conv.name, "kernelSize": conv.kernel_size,
                           "inChannels": conv.in_channels, "outChannels": conv.out_channels,
                           "rank": conv.rank, "outHeight": out_size, "outWidth": out_size,
                           "hasBias": False})
        else:
            fixed["params"] += rows * conv.out_channels
            fixed["macs"] += out_size * out_size * rows * conv.out_channels
    for bn in batch_norms(model):
        fixed["params"] += 2 * bn.channels
    c = model.classifier
    if isinstance(c, FactorisedDense):
        shapes.append({"kind": "dense", "name": c.name, "kernelSize": 1,
                       "inChannels": c.in_features,
                       "outChannels": c.out_features, "rank": c.rank, "outHeight": 1, "outWidth": 1,
                       "hasBias": True})
    else:
        fixed["params"] += c.in_features * c.out_features + c.out_features
        fixed["macs"] += c.in_features * c.out_features
    return shapes, fixed
