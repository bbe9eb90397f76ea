"""Small CIFAR files in the official binary format, made in the test; a recipe for a tiny net."""

import io
import json
import tarfile
from pathlib import Path
from typing import Any, Dict

import numpy as np

from lowrank_studio.recipe import default_config


def records(count: int, seed: int, classes: int = 10, label_bytes: int = 1) -> bytes:
    """Images whose mean colour depends on the label, so a net can learn something."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, count)
    planes = rng.integers(0, 128, (count, 3, 32, 32)) + (labels * 12)[:, None, None, None] % 128
    rows = [bytes([label % 20, label] if label_bytes == 2 else [label])
            + planes[i].astype(np.uint8).tobytes()
            for i, label in enumerate(labels.tolist())]
    return b"".join(rows)


def cifar10_folder(folder: Path, train: int = 64, test: int = 32) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data_batch_1.bin").write_bytes(records(train, 1))
    (folder / "test_batch.bin").write_bytes(records(test, 2))
    return folder


def cifar10_archive(path: Path, train: int = 20, test: int = 10, leave_out: str = "") -> Path:
    """A .tar.gz laid out as cifar-10-binary.tar.gz (every batch file, names file)."""
    files = {f"data_batch_{i}.bin": records(train, i) for i in range(1, 6)}
    files["test_batch.bin"] = records(test, 9)
    files["batches.meta.txt"] = "\n".join(f"class{i}" for i in range(10)).encode() + b"\n"
    with tarfile.open(path, "w:gz", format=tarfile.USTAR_FORMAT) as archive:
        for name, data in files.items():
            if name == leave_out:
                continue
            info = tarfile.TarInfo(f"cifar-10-batches-bin/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def tiny_config(**overrides: Any) -> Dict[str, Any]:
    config = default_config()
    config.update(architecture="resnet8", widthMultiplier=0.25, inputSize=8, epochs=2, batchSize=16,
                  learningRate=0.05, schedule="cosine", warmupFraction=0, lambdaRank=0.1,
                  pruneStart=0.0, pruneLossDrop=0.0, pruneInterval=0.15, targetParamsKept=50)
    config.update(overrides)
    return config


def write_recipe(path: Path, **overrides: Any) -> Path:
    recipe = {"format": "lowrank-studio-recipe", "version": 1, "config": tiny_config(**overrides),
              "command": "torchrun --nproc_per_node=1 -m lowrank_studio --recipe recipe.json"}
    path.write_text(json.dumps(recipe))
    return path
