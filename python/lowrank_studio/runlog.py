"""run-log.jsonl: one JSON object a line, the header first, then the studio's chart events
(steps, evaluations, epochs, spectra, prune events) with the field names of src/protocol.ts."""

import json
import math
from typing import Any, Dict, Optional

import torch

from lowrank_studio import __version__

FORMAT = "lowrank-studio-run-log"
VERSION = 1
STEP_FIELDS = ("step", "epoch", "crossEntropy", "orth", "rank", "total", "trainAccuracy",
               "learningRate", "lambdaRank", "stepMs")


def producer() -> str:
    return f"lowrank_studio {__version__} (PyTorch {torch.__version__})"


def _finite(value: Any) -> Any:
    # JSON has no NaN or Infinity: a diverged step is written as null
    return value if not isinstance(value, float) or math.isfinite(value) else None


class RunLog:
    """Appends events to a file; a process that is not rank 0 holds no file and writes nothing."""

    def __init__(self, path: Optional[str], append: bool = False) -> None:
        self.file = open(path, "a" if append else "w", encoding="utf-8") if path else None

    def write(self, event: Dict[str, Any]) -> None:
        if self.file:
            self.file.write(json.dumps(event, allow_nan=False) + "\n")
            self.file.flush()

    def header(self, config: Dict[str, Any], dataset: Dict[str, Any], world: Dict[str, Any],
               layers: Any, params: Any, macs: Any) -> None:
        self.write({"type": "header", "format": FORMAT, "version": VERSION, "producer": producer(),
                    "config": dict(config), "dataset": dataset, "world": world, "layers": layers,
                    "params": params, "macs": macs})

    def step(self, metrics: Dict[str, Any]) -> None:
        self.write({"type": "step", "run": "main", **{f: _finite(metrics[f]) for f in STEP_FIELDS}})

    def close(self) -> None:
        if self.file:
            self.file.close()
            self.file = None
