"""Equal-size baselines: the narrower dense network and the factorised one at fixed ranks."""

import json

import pytest

from synthetic import cifar10_archive, write_recipe
from test_training import run_cli
from lowrank_studio.baselines import dense_params, narrower_width, rank_plan
from lowrank_studio.recipe import RecipeError, default_config
from lowrank_studio.resnet import ModelConfig, ResNet, trainable_params


@pytest.mark.parametrize("architecture,width", [("resnet8", 0.25), ("resnet20", 0.3),
                                                ("resnet18", 0.0625)])
def test_dense_params_are_the_built_networks(architecture, width):
    model = ResNet(ModelConfig(architecture, "dense", width, 8, 10, 1))
    built = sum(int(p.numel()) for _, p, _ in trainable_params(model, 0.0))
    assert dense_params(architecture, width, 8, 10) == built


def test_the_narrower_width_comes_within_two_percent():
    config = {**default_config(), "architecture": "resnet20", "widthMultiplier": 1,
              "inputSize": 32}
    full = dense_params("resnet20", 1, 32, 10)
    width, count = narrower_width(config, 10, full // 2)
    assert width < 1 and abs(count - full // 2) <= 0.02 * full // 2
    with pytest.raises(RecipeError, match="no width"):
        narrower_width(config, 10, 100)


def test_a_rank_plan_must_name_this_networks_layers():
    run = {"layers": [{"name": "a", "finalRank": 3}, {"name": "b", "finalRank": 2}]}
    assert rank_plan(run, ["b", "a"]) == [2, 3]
    with pytest.raises(RecipeError, match="another architecture"):
        rank_plan(run, ["a", "c"])


def test_the_fixed_rank_baseline_trains_at_the_runs_final_ranks(tmp_path):
    archive = cifar10_archive(tmp_path / "cifar-10-binary.tar.gz", train=16)
    common = ("--data", str(archive), "--device", "cpu")
    pruned = tmp_path / "pruned"
    done = run_cli("--recipe", str(write_recipe(tmp_path / "recipe.json")), "--out", str(pruned),
                   *common)
    assert done.returncode == 0, done.stderr
    source = json.loads((pruned / "report.json").read_text())["runs"][0]
    held = tmp_path / "held"
    done = run_cli("--recipe", str(tmp_path / "recipe.json"), "--out", str(held),
                   "--rank-plan", str(pruned / "report.json"), *common)
    assert done.returncode == 0, done.stderr
    run = json.loads((held / "report.json").read_text())["runs"][0]
    finals = [layer["finalRank"] for layer in source["layers"]]
    assert [layer["initialRank"] for layer in run["layers"]] == finals
    assert [layer["finalRank"] for layer in run["layers"]] == finals
    assert run["config"]["pruning"] is False and run["pruningWindow"] == "off"
    assert run["baseline"]["kind"] == "fixed-ranks"
    assert all(entry["pruned"] == 0 for entry in run["history"])
    refused = run_cli("--recipe", str(write_recipe(tmp_path / "dense.json", mode="dense")),
                      "--out", str(tmp_path / "d"), "--rank-plan", str(pruned / "report.json"),
                      *common)
    assert refused.returncode == 1 and "use a low-rank recipe" in refused.stderr


def test_post_hoc_truncates_a_dense_run_and_fine_tunes_the_rest(tmp_path):
    archive = cifar10_archive(tmp_path / "cifar-10-binary.tar.gz", train=16)
    common = ("--data", str(archive), "--device", "cpu")
    pruned = tmp_path / "pruned"
    recipe = write_recipe(tmp_path / "recipe.json")
    assert run_cli("--recipe", str(recipe), "--out", str(pruned), *common).returncode == 0
    dense = tmp_path / "dense"
    done = run_cli("--recipe", str(write_recipe(tmp_path / "dense.json", mode="dense")), "--out",
                   str(dense), "--stop-after-epochs", "1", *common)
    assert done.returncode == 0, done.stderr
    post = tmp_path / "post"
    done = run_cli("--recipe", str(recipe), "--out", str(post), "--post-hoc",
                   str(pruned / "report.json"), "--dense-checkpoint",
                   str(dense / "checkpoint.pt"), *common)
    assert done.returncode == 0, done.stderr
    source = json.loads((pruned / "report.json").read_text())["runs"][0]
    run = json.loads((post / "report.json").read_text())["runs"][0]
    finals = [layer["finalRank"] for layer in source["layers"]]
    assert [layer["initialRank"] for layer in run["layers"]] == finals
    assert [entry["epoch"] for entry in run["history"]] == [2]
    assert run["baseline"] == {"kind": "post-hoc", "report": str(pruned / "report.json"),
                               "denseEpochs": 1}
    refused = run_cli("--recipe", str(recipe), "--out", str(tmp_path / "x"), "--post-hoc",
                      str(pruned / "report.json"), *common)
    assert refused.returncode == 1 and "go together" in refused.stderr
