"""Knobs come from recipe.schema.json, and recipes are checked as src/config.ts checks settings."""

import json
import re
from pathlib import Path

import pytest

from lowrank_studio.recipe import (RecipeError, config_problems, default_config, knob_error,
                                   knob_table,
                                   load_recipe, validate_config)

PACKAGE = Path(__file__).parent.parent / "lowrank_studio"


def test_every_knob_the_code_reads_is_in_the_schema():
    used = set()
    for source in PACKAGE.glob("*.py"):
        used |= set(re.findall(r"\b(?:config|settings)\[\"([A-Za-z]+)\"\]", source.read_text()))
    optimiser_fields = {"kind", "learningRate", "momentum", "nesterov", "beta1", "beta2", "epsilon",
                        "lambdaOrth", "lambdaRank", "rankTerm", "weightDecay"}
    knobs = set(knob_table())
    unknown = sorted(name for name in used - knobs if name not in optimiser_fields)
    assert unknown == [], f"the Python code reads settings the schema lacks: {unknown}"
    assert len(used & knobs) >= 25


def test_defaults_come_from_the_schema():
    config = default_config()
    assert list(config) == list(knob_table())
    assert config["architecture"] == "resnet20" and config["batchSize"] == 128
    with pytest.raises(KeyError, match="not a setting"):
        config["pruneTreshold"]


@pytest.mark.parametrize("name, value, message", [
    ("pruneTreshold", 0.1, "unknown setting 'pruneTreshold'"),
    ("batchSize", 0, "batchSize must be between 1 and 1024, got 0"),
    ("batchSize", 3.5, "batchSize must be a whole number, got 3.5"),
    ("learningRate", "fast", "learningRate must be a finite number, got fast"),
    ("learningRate", 2, "learningRate must be between 0.00001 and 1, got 2"),
    ("targetParamsKept", 5, "targetParamsKept must be between 10 and 90 (or 0: off), got 5"),
    ("optimiser", "rmsprop", "optimiser must be one of sgd, adam, got rmsprop"),
    ("pruning", "yes", "pruning must be true or false, got yes"),
    ("augment", 1, "augment must be true or false, got 1"),
])
def test_knob_errors_read_as_the_typescript_ones(name, value, message):
    assert knob_error(name, value) == message


def test_off_value_is_accepted():
    assert knob_error("targetParamsKept", 0) is None


def test_contradicting_settings_are_named():
    config = default_config()
    config.update(pruneStart=0.6)
    assert config_problems(config) == [
        "pruneStart (0.6) is after the end of the pruning window (0.5): nothing would be pruned"]
    config.update(pruneStart=0.1, maxRank=2, minRank=3)
    assert config_problems(config) == ["minRank (3) is above maxRank (2)"]
    with pytest.raises(RecipeError, match="minRank"):
        validate_config(config)


def test_a_recipe_lacking_a_knob_is_refused(tmp_path):
    config = dict(default_config())
    del config["seed"]
    config["batchSize"] = 0
    path = tmp_path / "recipe.json"
    path.write_text(json.dumps({"format": "lowrank-studio-recipe", "version": 1, "config": config}))
    with pytest.raises(RecipeError,
                       match=r"batchSize must be between 1 and 1024, got 0; missing seed"):
        load_recipe(str(path))
    path.write_text(json.dumps({"format": "other", "version": 1, "config": {}}))
    with pytest.raises(RecipeError, match="format must be 'lowrank-studio-recipe'"):
        load_recipe(str(path))
