"""Reading python/tests/fixtures/parity.json, written by scripts/parity-fixture.ts."""

import base64
import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List

import numpy as np
import torch

from lowrank_studio.resnet import ModelConfig, ResNet, load_tfjs_variables

PATH = Path(__file__).parent / "fixtures" / "parity.json"


@lru_cache(maxsize=1)
def fixture() -> Dict[str, Any]:
    with open(PATH, encoding="utf-8") as file:
        return json.load(file)


def unpack(packed: Dict[str, Any]) -> np.ndarray:
    values = np.frombuffer(base64.b64decode(packed["data"]), dtype="<f4")
    return values.reshape(packed["shape"]).copy()


def tensors(packed: List[Dict[str, Any]]) -> Dict[str, torch.Tensor]:
    return {p["name"]: torch.from_numpy(unpack(p)) for p in packed}


def model_config(overrides: Dict[str, Any] = None) -> ModelConfig:
    m = {**fixture()["model"], **(overrides or {})}
    return ModelConfig(m["architecture"], m["mode"], m["widthMultiplier"], m["inputSize"],
                       m["classes"], m["seed"], m.get("maxRank", 0) or 0)


def model_at(state_key: str = "state") -> ResNet:
    model = ResNet(model_config())
    load_tfjs_variables(model, tensors(fixture()[state_key]))
    return model


def batch():
    f = fixture()
    images = torch.from_numpy(unpack(f["input"]["images"])).permute(0, 3, 1, 2).contiguous()
    return images, torch.tensor(f["labels"], dtype=torch.long)
