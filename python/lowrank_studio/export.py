"""The trained network as the standard TF.js LayersModel the studio exports (src/model/export.ts):
plain Conv2D, Dense, BatchNormalization (the input's normalisation), pooling, padding and permute
layers with the same names, configs, weight layout and per-layer form (U, s V below the
break-even rank, one merged kernel above), each conv's batch norm folded into its last kernel and
a bias, so `tf.loadLayersModel('model.json')` runs it. Input: images [N, H, W, 3] in [0, 1]."""

import json
import os
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import torch

from lowrank_studio.factorised import Factorised, FactorisedConv, FactorisedDense
from lowrank_studio.layers import BN_EPSILON, BatchNorm, PlainConv, PlainDense
from lowrank_studio.resnet import ResNet

TFJS_LAYERS_VERSION = "4.22.0"
VARIANCE_SCALING = {"class_name": "VarianceScaling",
                    "config": {"scale": 1, "mode": "fan_avg", "distribution": "normal",
                               "seed": None}}
ZEROS = {"class_name": "Zeros", "config": {}}
ONES = {"class_name": "Ones", "config": {}}


def _values(tensor: torch.Tensor) -> np.ndarray:
    return tensor.detach().cpu().numpy().astype(np.float32)


class Graph:
    """Layers as tfjs-layers serialises them, with their weights (name, values, trainable)."""

    def __init__(self) -> None:
        self.layers: Dict[str, Dict[str, Any]] = {}
        self.weights: Dict[str, List[Tuple[str, np.ndarray, bool]]] = {}
        self.forms: List[Dict[str, Any]] = []

    def add(self, class_name: str, layer_config: Dict[str, Any], inputs: List[str],
            weights: Optional[List[Tuple[str, np.ndarray, bool]]] = None) -> str:
        name = layer_config["name"]
        self.layers[name] = {"name": name, "class_name": class_name, "config": layer_config,
                             "inbound_nodes": [[[i, 0, 0, {}] for i in inputs]] if inputs else []}
        self.weights[name] = [(f"{name}/{w}", v, t) for w, v, t in weights or []]
        return name

    def ordered(self, output: str) -> List[str]:
        """Keras's layer order: by depth from the output, then by first visit (one node each)."""
        indices: Dict[str, int] = {}
        finished: List[str] = []

        def visit(name: str) -> None:
            if name in finished:
                return
            indices.setdefault(name, len(indices))
            for inbound in self.inputs(name):
                visit(inbound)
            finished.append(name)

        visit(output)
        depths: Dict[str, int] = {}
        for name in reversed(finished):
            depth = depths.setdefault(name, 0)
            for inbound in self.inputs(name):
                depths[inbound] = max(depth + 1, depths.get(inbound, 0))
        return sorted(finished, key=lambda n: (-depths[n], indices[n]))

    def inputs(self, name: str) -> List[str]:
        nodes = self.layers[name]["inbound_nodes"]
        return [entry[0] for entry in nodes[0]] if nodes else []


def _conv_config(name: str, filters: int, kernel_size: int, stride: int, padding: str,
                 activation: Optional[str] = None) -> Dict[str, Any]:
    """A Conv2D without bias, or (activation given) with a bias, through that activation."""
    return {"filters": filters, "kernel_initializer": VARIANCE_SCALING, "kernel_regularizer": None,
            "kernel_constraint": None, "kernel_size": [kernel_size,
                                                       kernel_size], "strides": [stride, stride],
            "padding": padding, "data_format": "channels_last", "dilation_rate": [1, 1],
            "activation": activation or "linear", "use_bias": activation is not None,
            "bias_initializer": ZEROS,
            "bias_regularizer": None,
            "activity_regularizer": None, "bias_constraint": None, "name": name, "trainable": True}


def _dense_config(name: str, units: int, use_bias: bool) -> Dict[str, Any]:
    return {"units": units, "activation": "linear", "use_bias": use_bias,
            "kernel_initializer": VARIANCE_SCALING, "bias_initializer": ZEROS,
            "kernel_regularizer": None,
            "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
            "bias_constraint": None, "name": name, "trainable": True}


def _bn_config(name: str, momentum: float, trainable: bool) -> Dict[str, Any]:
    return {"axis": -1, "momentum": momentum, "epsilon": BN_EPSILON, "center": True, "scale": True,
            "beta_initializer": ZEROS, "gamma_initializer": ONES, "moving_mean_initializer": ZEROS,
            "moving_variance_initializer": ONES, "beta_regularizer": None,
            "gamma_regularizer": None,
            "beta_constraint": None, "gamma_constraint": None, "name": name, "trainable": trainable}


def _simple(name: str, **config: Any) -> Dict[str, Any]:
    return {**config, "name": name, "trainable": True}


def _keeps_factors(layer: Factorised, merge_all: bool) -> bool:
    return not merge_all and layer.rank < layer.break_even_rank


class Builder:
    def __init__(self, merge_all: bool = False) -> None:
        self.graph = Graph()
        self.merge_all = merge_all

    def conv_batch_norm(self, conv, bn: BatchNorm, x: str, activation: str = "linear") -> str:
        """conv then batch norm (then the activation) as the conv alone: the norm's inference form
        scales the kernel's last factor per output channel and adds a shift, the conv's bias."""
        name = conv.name.replace("/", "_")
        k, stride, padding = conv.kernel_size, conv.stride, conv.padding
        scale = bn.gamma / torch.sqrt(bn.moving_variance + BN_EPSILON)
        shift = bn.beta - bn.moving_mean * scale

        def merged(form: str, rank: int, kernel: torch.Tensor) -> str:
            self.graph.forms.append({"name": name, "rank": rank, "form": form})
            return self.graph.add("Conv2D", _conv_config(name, conv.out_channels, k, stride,
                                                         padding, activation), [x],
                                  [("kernel", _values(kernel * scale), True),
                                   ("bias", _values(shift), True)])

        if isinstance(conv, PlainConv):
            return merged("dense", min(k * k * conv.in_channels, conv.out_channels), conv.kernel)
        assert isinstance(conv, FactorisedConv)
        rank = conv.rank
        if not _keeps_factors(conv, self.merge_all):
            return merged("composed", rank, conv.composed_kernel())
        self.graph.forms.append({"name": name, "rank": rank, "form": "lowrank"})
        projected = self.graph.add("Conv2D", _conv_config(f"{name}_U", rank, k, stride, padding),
                                   [x],
                                   [("kernel",
                                     _values(conv.U.reshape(k, k, conv.in_channels, rank)), True)])
        # s and the norm's scale folded into the 1x1 expansion: diag(s) V^T as [1, 1, r, Cout]
        expand = (conv.V * conv.s).t().reshape(1, 1, rank, conv.out_channels) * scale
        return self.graph.add("Conv2D", _conv_config(f"{name}_sV", conv.out_channels, 1, 1,
                                                     "valid", activation),
                              [projected], [("kernel", _values(expand), True),
                                            ("bias", _values(shift), True)])

    def shortcut(self, block, x: str, name: str) -> str:
        kind = block.plan.shortcut
        if kind == "identity":
            return x
        if kind == "projection":
            return self.conv_batch_norm(block.shortcut_conv, block.shortcut_bn, x)
        y = x
        if block.plan.stride > 1:
            y = self.graph.add("AveragePooling2D", _simple(
                f"{name}_subsample", pool_size=[1, 1], padding="valid",
                strides=[block.plan.stride, block.plan.stride], data_format="channels_last"), [y])
        y = self.graph.add("Permute", _simple(f"{name}_channels_to_width", dims=[1, 3, 2]), [y])
        y = self.graph.add("ZeroPadding2D", _simple(
            f"{name}_pad_channels", padding=[[0, 0],
                                             list(block.pad)], data_format="channels_last"), [y])
        return self.graph.add("Permute", _simple(f"{name}_channels_back", dims=[1, 3, 2]), [y])

    def classifier(self, classifier, x: str) -> str:
        name = classifier.name
        if isinstance(classifier, PlainDense):
            self.graph.forms.append({"name": name, "rank": min(classifier.in_features,
                                                               classifier.out_features),
                                     "form": "dense"})
            return self.graph.add("Dense", _dense_config(name, classifier.out_features, True), [x],
                                  [
                ("kernel", _values(classifier.kernel), True), ("bias", _values(classifier.bias),
                                                               True)])
        assert isinstance(classifier, FactorisedDense)
        rank = classifier.rank
        if not _keeps_factors(classifier, self.merge_all):
            self.graph.forms.append({"name": name, "rank": rank, "form": "composed"})
            return self.graph.add("Dense", _dense_config(name, classifier.out_features, True), [x],
                                  [
                ("kernel", _values(classifier.composed_matrix()), True),
                ("bias", _values(classifier.bias), True)])
        self.graph.forms.append({"name": name, "rank": rank, "form": "lowrank"})
        projected = self.graph.add("Dense", _dense_config(f"{name}_U", rank, False), [x],
                                   [("kernel", _values(classifier.U), True)])
        return self.graph.add("Dense", _dense_config(f"{name}_sV", classifier.out_features, True),
                              [projected], [
            ("kernel", _values((classifier.V * classifier.s).t()),
             True), ("bias", _values(classifier.bias), True)])


def export_layers_model(model: ResNet, stats: Dict[str, Any], producer: str,
                        merge_all: bool = False) -> Tuple[Dict[str, Any], bytes,
                                                          List[Dict[str, Any]]]:
    """(model.json as an object, model.weights.bin bytes, per-layer forms)."""
    builder = Builder(merge_all)
    graph = builder.graph
    size = model.config.input_size
    x = graph.add("InputLayer", {"batch_input_shape": [None, size, size, 3], "dtype": "float32",
                                 "sparse": False, "name": "images"}, [])
    std = np.asarray(stats["std"], dtype=np.float64)
    x = graph.add("BatchNormalization", _bn_config("normalise", 0.99, False), [x], [
        ("gamma", np.ones(3, np.float32), False), ("beta", np.zeros(3, np.float32), False),
        ("moving_mean", np.asarray(stats["mean"], np.float32), False),
        ("moving_variance", (std * std - BN_EPSILON).astype(np.float32), False)])

    def relu(inp: str, name: str) -> str:
        return graph.add("Activation", {"activation": "relu", "name": name, "trainable": True},
                         [inp])

    with torch.no_grad():
        x = builder.conv_batch_norm(model.stem_conv, model.stem_bn, x, "relu")
        for block in model.blocks:
            name = block.name.replace("/", "_")
            h = builder.conv_batch_norm(block.conv1, block.bn1, x, "relu")
            y = builder.conv_batch_norm(block.conv2, block.bn2, h)
            total = graph.add("Add", {"name": f"{name}_add", "trainable": True},
                              [y, builder.shortcut(block, x, name)])
            x = relu(total, f"{name}_relu2")
        x = graph.add("GlobalAveragePooling2D", _simple("pool", data_format="channels_last"), [x])
        output = builder.classifier(model.classifier, x)
    order = graph.ordered(output)
    weights = [w for n in order for w in graph.weights[n] if w[2]] + \
              [w for n in order for w in graph.weights[n] if not w[2]]
    topology = {"class_name": "Model", "config": {
        "name": f"{model.config.architecture}_{model.config.mode}",
        "layers": [graph.layers[n] for n in order],
        "input_layers": [["images", 0, 0]], "output_layers": [[output, 0, 0]]},
        "keras_version": f"tfjs-layers {TFJS_LAYERS_VERSION}", "backend": "tensor_flow.js"}
    model_json = {"format": "layers-model", "generatedBy": producer, "convertedBy": None,
                  "modelTopology": topology, "weightsManifest": [{"paths": ["model.weights.bin"],
                                                                  "weights": [
                      {"name": n, "shape": list(v.shape),
                       "dtype": "float32"} for n, v, _ in weights]}]}
    data = b"".join(np.ascontiguousarray(v, dtype="<f4").tobytes() for _, v, _ in weights)
    return model_json, data, graph.forms


def exported_params(model_json: Dict[str, Any]) -> int:
    """countParams() of the exported model: every weight, trainable or not, but the normalisation's
    fixed statistics count too, as in TF.js."""
    return sum(int(np.prod(w["shape"])) for w in model_json["weightsManifest"][0]["weights"])


LABELS_FORMAT = "lowrank-studio-labels"
# how the studio turns a picture into a training image (IMAGE_PREPARATION of modelLabels.ts)
IMAGE_PREPARATION = ("centre square crop (transparency over black), resized to imageSide then to "
                     "inputSize x inputSize (bilinear), RGB bytes divided by 255")


def model_labels(class_names: List[str], input_size: int, image_side: int,
                 stats: Dict[str, Any], model: Dict[str, Any]) -> Dict[str, Any]:
    """labels.json (modelLabels of src/train/modelLabels.ts): the classes, the input and the
    normalisation the model's first layer applies, so images go in as they are in [0, 1]."""
    return {
        "format": LABELS_FORMAT,
        "version": 1,
        "classNames": list(class_names),
        "inputSize": input_size,
        "imageSide": image_side,
        "input": {"layout": "NHWC", "channels": "RGB", "range": [0, 1],
                  "preparation": IMAGE_PREPARATION},
        "normalisation": {"inModel": True, "mean": [float(v) for v in stats["mean"]],
                          "std": [float(v) for v in stats["std"]]},
        "output": "logits",
        "model": dict(model),
    }


def save(model_json: Dict[str, Any], data: bytes, directory: str,
         labels: Optional[Dict[str, Any]] = None) -> None:
    """model.json (with the labels as its userDefinedMetadata, as the studio's), the weights,
    and labels.json beside them."""
    os.makedirs(directory, exist_ok=True)
    if labels is not None:
        model_json = {**model_json, "userDefinedMetadata": labels}
        with open(os.path.join(directory, "labels.json"), "w", encoding="utf-8") as file:
            json.dump(labels, file, indent=2)
    with open(os.path.join(directory, "model.json"), "w", encoding="utf-8") as file:
        json.dump(model_json, file)
    with open(os.path.join(directory, "model.weights.bin"), "wb") as file:
        file.write(data)
