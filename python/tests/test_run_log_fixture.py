"""The run log the studio's end-to-end test opens (e2e/fixtures/twin-run-log.jsonl) is what the
twin writes now: the same record types with the same fields. Regenerate it when this fails:
torchrun --standalone --nproc_per_node=2 --redirects 1 --tee 1 -m lowrank_studio --recipe <(npm
run -s recipe -- --model micro) --data <CIFAR-10> --out <dir> --train-limit 2560 --test-limit 320
--epochs 4, then copy <dir>/run-log.jsonl."""

import json
import subprocess
import sys
from pathlib import Path

from synthetic import cifar10_folder, write_recipe

PYTHON_ROOT = Path(__file__).parent.parent
FIXTURE = PYTHON_ROOT.parent / "e2e" / "fixtures" / "twin-run-log.jsonl"


def shapes(lines: list) -> dict:
    """Each record type with the fields it carries (and those of an epoch's summary)."""
    found: dict = {}
    for line in lines:
        fields = set(line) | {f"summary.{k}" for k in line.get("summary", {})}
        found.setdefault(line["type"], set()).update(fields)
    return found


def test_the_e2e_run_log_has_the_shape_the_twin_writes(tmp_path):
    data = cifar10_folder(tmp_path / "data", train=64, test=16)
    recipe = write_recipe(tmp_path / "recipe.json", epochs=2)
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "lowrank_studio", "--recipe", str(recipe),
                           "--data", str(data), "--out", str(out), "--device", "cpu"],
                          cwd=PYTHON_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    fresh = [json.loads(line) for line in (out / "run-log.jsonl").read_text().splitlines()]
    committed = [json.loads(line) for line in FIXTURE.read_text().splitlines()]
    assert shapes(committed) == shapes(fresh)
    assert committed[0]["world"]["processes"] == 2
