"""The study driver: runs named runs in order, resumable, with the baselines' dependencies."""

import json

import pytest

from synthetic import cifar10_archive, write_recipe
from lowrank_studio.study import StudyError, main, parse_name, recipe_for


def test_run_names_say_what_each_run_is():
    assert parse_name("target30-s2", 0.3, 0.1) == {
        "kind": "target", "seed": 2, "target": 30, "lambdaRank": 0.3, "pruneThreshold": 0.1}
    rule = parse_name("rule-l0.05-t0.2-s1", 0.3, 0.1)
    assert (rule["kind"], rule["lambdaRank"], rule["pruneThreshold"]) == ("rule", 0.05, 0.2)
    assert parse_name("rule-s3", 0.3, 0.1)["lambdaRank"] == 0.3
    with pytest.raises(StudyError, match="unknown run 'target-s1'"):
        parse_name("target-s1", 0.3, 0.1)
    lowrank = {"config": {"mode": "lowrank", "targetParamsKept": 50, "lambdaRank": 0,
                          "pruneThreshold": 0.1}}
    assert recipe_for(parse_name("target30-s1", 0, 0), {}, lowrank)["config"][
        "targetParamsKept"] == 30
    assert recipe_for(rule, {}, lowrank)["config"] == {
        "mode": "lowrank", "targetParamsKept": 0, "lambdaRank": 0.05, "pruneThreshold": 0.2}
    assert lowrank["config"]["targetParamsKept"] == 50


def test_a_study_runs_in_order_skips_finished_runs_and_checks_dependencies(tmp_path, capsys):
    archive = cifar10_archive(tmp_path / "cifar-10-binary.tar.gz", train=16)
    dense = write_recipe(tmp_path / "dense.json", mode="dense", epochs=2)
    lowrank = write_recipe(tmp_path / "lowrank.json", epochs=2, targetParamsKept=50)
    out = tmp_path / "study"
    common = ["--dense-recipe", str(dense), "--lowrank-recipe", str(lowrank), "--data",
              str(archive), "--out", str(out), "--validation", "20", "--device", "cpu",
              "--threads", "1"]
    assert main(["posthoc-s1", *common]) == 1
    assert "run target50-s1 first" in capsys.readouterr().err
    assert main(["dense-s1", "target50-s1", "posthoc-s1", "fixed-s1", *common]) == 0
    report = {name: json.loads((out / name / "report.json").read_text())["runs"][0]
              for name in ("dense-s1", "target50-s1", "posthoc-s1", "fixed-s1")}
    # dense stopped once at half its epochs and went on: one run, its half kept for post-hoc
    assert [e["epoch"] for e in report["dense-s1"]["history"]] == [1, 2]
    assert (out / "dense-s1" / "checkpoint-half.pt").exists()
    assert report["posthoc-s1"]["baseline"]["kind"] == "post-hoc"
    assert report["posthoc-s1"]["baseline"]["denseEpochs"] == 1
    finals = [layer["finalRank"] for layer in report["target50-s1"]["layers"]]
    assert [layer["initialRank"] for layer in report["fixed-s1"]["layers"]] == finals
    assert report["dense-s1"]["validationCount"] == 20
    capsys.readouterr()
    assert main(["dense-s1", *common]) == 0
    assert capsys.readouterr().out == "dense-s1: finished already\n"
