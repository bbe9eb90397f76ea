"""Pruning with optimiser slicing, fading, checkpoint and resume, and the CLI end to end."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from synthetic import cifar10_archive, cifar10_folder, tiny_config, write_recipe
from lowrank_studio.cifar import load_cifar
from lowrank_studio.cli import use_cores
from lowrank_studio.factorised import FactorisedConv
from lowrank_studio.fading import FADE_LEFT, Fading
from lowrank_studio.optimisers import Optimiser
from lowrank_studio.pruning import prune_layer
from lowrank_studio.recipe import RecipeError, validate_config
from lowrank_studio.trainer import Trainer

PYTHON_ROOT = Path(__file__).parent.parent


def test_pruning_slices_factors_and_momentum_alike():
    layer = FactorisedConv("conv", 3, 2, 4, seed=5)
    optimiser = Optimiser({"kind": "sgd", "learningRate": 0.1, "momentum": 0.9, "nesterov": True})
    for key in ("U", "s", "V"):
        optimiser.apply([(f"conv/{key}", getattr(layer, key), torch.ones_like(getattr(layer, key)),
                          0.0)])
    momentum = optimiser.slots["conv/U"]["momentum"].clone()
    momentum[:, 2] = 7
    optimiser.slots["conv/U"]["momentum"] = momentum
    U = layer.U.detach().clone()
    event = prune_layer(layer, [0, 2], optimiser)
    assert event == {"layer": "conv", "oldRank": 4, "newRank": 2}
    assert torch.equal(layer.U.detach(), U[:, [0, 2]])
    assert optimiser.slots["conv/U"]["momentum"].shape == (18, 2)
    assert torch.all(optimiser.slots["conv/U"]["momentum"][:, 1] == 7)
    assert optimiser.slots["conv/s"]["momentum"].shape == (2,)


def test_pruning_a_zero_direction_leaves_the_output_unchanged():
    layer = FactorisedConv("conv", 3, 3, 6, seed=2)
    with torch.no_grad():
        layer.s[4] = 0
    x = torch.randn(2, 3, 7, 7)
    before = layer(x, "composed")
    prune_layer(layer, [0, 1, 2, 3, 5])
    assert float((layer(x, "lowrank") - before).abs().max()) < 1e-5


def test_fading_takes_s_to_one_percent_by_the_next_event():
    layer = FactorisedConv("conv", 3, 2, 4, seed=5)
    s = layer.s.detach().clone()
    fading = Fading()
    fading.set([layer], [[1, 3]])
    for _ in range(5):
        fading.apply([layer], 5)
    assert torch.allclose(layer.s.detach()[[1, 3]], s[[1, 3]] * FADE_LEFT, rtol=1e-5)
    assert torch.equal(layer.s.detach()[[0, 2]], s[[0, 2]])


def test_a_resumed_trainer_takes_the_same_next_step(tmp_path):
    dataset = load_cifar(str(cifar10_folder(tmp_path / "data")))
    trainer = Trainer(dataset, validate_config(tiny_config()))
    for _ in range(5):
        trainer.train_step()
        trainer.prune_if_due()
    assert trainer.layers[0].rank < 4, "the run should have pruned by now"
    buffer = io.BytesIO()
    torch.save(trainer.checkpoint(), buffer)
    buffer.seek(0)
    resumed = Trainer.restore(dataset, torch.load(buffer))
    for _ in range(2):
        a, b = trainer.train_step(), resumed.train_step()
        assert (trainer.prune_if_due(), a["crossEntropy"],
                a["total"]) == (resumed.prune_if_due(), b["crossEntropy"], b["total"])
    assert trainer.policy.state == resumed.policy.state
    for (name, x), (_, y) in zip(trainer.model.state_dict().items(),
                                 resumed.model.state_dict().items()):
        assert torch.equal(x, y), name


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lowrank_studio", *args], cwd=PYTHON_ROOT,
                          capture_output=True, text=True, timeout=300)


def test_cli_trains_and_writes_report_log_and_model(tmp_path):
    archive = cifar10_archive(tmp_path / "cifar-10-binary.tar.gz", train=16)
    recipe = write_recipe(tmp_path / "recipe.json")
    out = tmp_path / "out"
    done = run_cli("--recipe", str(recipe), "--data", str(archive), "--out", str(out), "--device",
                   "cpu",
                   "--test-limit", "20", "--log-every", "2")
    assert done.returncode == 0, done.stderr
    report = json.loads((out / "report.json").read_text())
    assert set(report) == {"createdAt", "backend", "dataset", "model", "runs"}
    run = report["runs"][0]
    assert run["epochs"] == 2 and len(run["history"]) == 2 and run["mode"] == "lowrank"
    assert len(report["dataset"].pop("classNames")) == 10
    assert report["dataset"] == {"name": "CIFAR-10", "kind": "cifar10", "trainCount": 80,
                                 "testCount": 10}
    lines = [json.loads(line) for line in (out / "run-log.jsonl").read_text().splitlines()]
    assert lines[0]["type"] == "header"
    assert lines[0]["world"] == {"processes": 1, "backend": "none", "device": "cpu"}
    kinds = [line["type"] for line in lines]
    assert kinds.count("step") == 5 and kinds.count("epoch") == 2 and "pruned" in kinds
    assert set(lines[1]) == {"type", "run", "step", "epoch", "crossEntropy", "orth", "rank",
                             "total",
                             "trainAccuracy", "learningRate", "lambdaRank", "stepMs"}
    model_json = json.loads((out / "model.json").read_text())
    weights = model_json["weightsManifest"][0]["weights"]
    assert (out / "model.weights.bin").stat().st_size == 4 * sum(
        int(torch.tensor(w["shape"]).prod()) for w in weights)
    assert json.loads((out / "export-report.json").read_text())["params"]["exported"] > 0
    # the run log as TensorBoard event files, the header first
    (events,) = out.glob("events.out.tfevents.*.lowrank-studio")
    assert b"run/header" in events.read_bytes()[:200]


def test_cli_resumes_from_its_checkpoint(tmp_path):
    data = cifar10_folder(tmp_path / "data")
    recipe = write_recipe(tmp_path / "recipe.json", epochs=1)
    out = tmp_path / "out"
    assert run_cli("--recipe", str(recipe), "--data", str(data), "--out", str(out), "--device",
                   "cpu").returncode == 0
    again = run_cli("--recipe", str(recipe), "--data", str(data), "--out", str(out), "--device",
                    "cpu",
                    "--resume", str(out / "checkpoint.pt"))
    assert again.returncode == 0, again.stderr
    refused = run_cli("--recipe", str(recipe), "--data", str(data), "--out", str(out), "--device",
                      "cpu",
                      "--resume", str(out / "checkpoint.pt"), "--epochs", "2")
    assert "leave out --epochs" in refused.stderr


def test_cli_holds_out_validation_and_reads_the_test_set_once(tmp_path):
    archive = cifar10_archive(tmp_path / "cifar-10-binary.tar.gz", train=16)
    recipe = write_recipe(tmp_path / "recipe.json")
    out = tmp_path / "out"
    common = ("--recipe", str(recipe), "--data", str(archive), "--out", str(out), "--device",
              "cpu")
    first = run_cli(*common, "--validation", "20", "--stop-after-epochs", "1")
    assert first.returncode == 0, first.stderr
    assert "validation accuracy" in first.stderr and "read once" not in first.stderr
    done = run_cli(*common, "--resume", str(out / "checkpoint.pt"))
    assert done.returncode == 0, done.stderr
    assert "read once" in done.stderr
    report = json.loads((out / "report.json").read_text())
    assert len(report["dataset"].pop("classNames")) == 10
    assert report["dataset"] == {"name": "CIFAR-10", "kind": "cifar10", "trainCount": 60,
                                 "validationCount": 20, "testCount": 10}
    run = report["runs"][0]
    assert [sorted(set(entry) & {"testAccuracy", "validationAccuracy"})
            for entry in run["history"]] == [["validationAccuracy"]] * 2
    assert run["validationCount"] == 20 and 0 <= run["validationAccuracy"] <= 1
    assert 0 <= run["testAccuracy"] <= 1
    lines = [json.loads(line) for line in (out / "run-log.jsonl").read_text().splitlines()]
    header = lines[0]
    assert header["dataset"]["validationCount"] == 20 and header["dataset"]["testCount"] == 10
    # the epochs are validated; the log's one test evaluation is the read at the end
    evaluations = [line for line in lines if line["type"] == "evaluation"]
    assert len(evaluations) == 1 and evaluations[0]["count"] == 10
    assert evaluations[0]["testAccuracy"] == run["testAccuracy"]
    # the resumed run rewrote the event file of its first part: one run for TensorBoard
    assert len(list(out.glob("events.out.tfevents.*"))) == 1
    refused = run_cli(*common, "--resume", str(out / "checkpoint.pt"), "--validation", "5")
    assert "leave out --epochs, --seed and --validation" in refused.stderr


def test_cli_names_a_bad_recipe(tmp_path):
    recipe = write_recipe(tmp_path / "recipe.json", batchSize=0)
    done = run_cli("--recipe", str(recipe), "--data", str(tmp_path), "--out", str(tmp_path / "o"))
    assert done.returncode == 1
    assert "batchSize must be between 1 and 1024, got 0" in done.stderr


def test_threads_give_a_run_its_share_of_the_cores():
    before = torch.get_num_threads()
    try:
        use_cores("cpu", 1, 1)
        assert torch.get_num_threads() == 1
        use_cores("cpu", 1)
        assert torch.get_num_threads() == max(1, os.cpu_count() or 1)
        with pytest.raises(RecipeError, match="--threads must be at least 1, not 0"):
            use_cores("cpu", 1, 0)
    finally:
        torch.set_num_threads(before)
