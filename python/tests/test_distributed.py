"""torchrun: two gloo processes train as one process does with the same global batch, and a
stopped two-process run resumes from its checkpoint to the same end."""

import json
import os
import subprocess
import sys
from pathlib import Path

from synthetic import cifar10_folder, write_recipe

PYTHON_ROOT = Path(__file__).parent.parent


# Debian's torch 1.13 on Python 3.11 cannot parse torchrun's default "--redirects 0 --tee 0"
# (enum.IntFlag no longer iterates its zero member); any other value works everywhere
TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--redirects", "1",
            "--tee", "1"]


def run(processes: int, recipe: Path, data: Path, out: Path, *extra: str) -> list:
    """Trains with torchrun's N processes (one process: plain python3 -m lowrank_studio)."""
    launcher = [*TORCHRUN, f"--nproc_per_node={processes}"] if processes > 1 else [sys.executable]
    command = [*launcher, "-m", "lowrank_studio", "--recipe", str(recipe), "--data", str(data),
               "--out", str(out), "--device", "cpu", *extra]
    done = subprocess.run(command, cwd=PYTHON_ROOT, env={**os.environ, "OMP_NUM_THREADS": "1"},
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr + done.stdout
    return [json.loads(line) for line in (out / "run-log.jsonl").read_text().splitlines()]


def pruned(log: list) -> list:
    return [(e["step"], e["events"]) for e in log if e["type"] == "pruned"]


def epochs(log: list) -> list:
    return [e["summary"] for e in log if e["type"] == "epoch"]


def test_two_processes_match_one(tmp_path):
    # 72 images in batches of 16: the last batch of each epoch has 8, split 4 + 4
    data = cifar10_folder(tmp_path / "data", train=72, test=24)
    recipe = write_recipe(tmp_path / "recipe.json", epochs=3)
    one = run(1, recipe, data, tmp_path / "one")
    two = run(2, recipe, data, tmp_path / "two")
    assert two[0]["world"] == {"processes": 2, "backend": "gloo", "device": "cpu"}
    steps = [(a, b) for a, b in zip(one, two) if a["type"] == "step"]
    assert len(steps) == 15
    differences = {field: max(abs(a[field] - b[field]) for a, b in steps)
                   for field in ("crossEntropy", "orth", "rank", "total", "trainAccuracy")}
    print("1 vs 2 processes, max abs difference per step field:", differences)
    assert differences["crossEntropy"] < 1e-3 and differences["total"] < 1e-3
    assert differences["trainAccuracy"] == 0
    assert pruned(one) == pruned(two) and pruned(one)
    for a, b in zip(epochs(one), epochs(two)):
        assert a["params"] == b["params"] and a["testCount"] == b["testCount"]
        assert abs(a["testAccuracy"] - b["testAccuracy"]) < 1e-9
    print("test loss per epoch, 1 and 2 processes:",
          [(round(a["testLoss"], 6), round(b["testLoss"], 6)) for a,
           b in zip(epochs(one), epochs(two))])


def test_a_stopped_two_process_run_resumes_to_the_same_end(tmp_path):
    data = cifar10_folder(tmp_path / "data", train=72, test=24)
    recipe = write_recipe(tmp_path / "recipe.json", epochs=3)
    whole = run(2, recipe, data, tmp_path / "whole")
    out = tmp_path / "stopped"
    first = run(2, recipe, data, out, "--stop-after-epochs", "1")
    assert [e["summary"]["epoch"] for e in first if e["type"] == "epoch"] == [1]
    assert not (out / "model.json").exists()
    resumed = run(2, recipe, data, out, "--resume", str(out / "checkpoint.pt"))
    assert [e["type"] for e in resumed] == [e["type"] for e in whole]
    assert [e.get("step") for e in resumed] == [e.get("step") for e in whole]
    difference = max(abs(a["total"] - b["total"])
                     for a, b in zip(whole, resumed) if a["type"] == "step")
    print("whole vs stopped-and-resumed two-process run, max abs difference of the loss:",
          difference)
    assert difference < 1e-5
    assert pruned(whole) == pruned(resumed)
    assert (out / "model.json").exists()
