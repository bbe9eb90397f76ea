"""Recipes and their knobs: read from recipe.schema.json (generated from src/config.ts), checked
with the rules and messages of knobError and configProblems there. No knob is named here."""

import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, List, Optional

from lowrank_studio.schedules import prune_end_fraction

SCHEMA_PATH = Path(__file__).with_name("recipe.schema.json")
RECIPE_FORMAT = "lowrank-studio-recipe"
RECIPE_VERSION = 1


class RecipeError(ValueError):
    """A recipe or setting that cannot be trained; the message says which knob and why."""


class Config(dict):
    """A complete TrainConfig; reading a knob the schema lacks fails with its name."""

    def __missing__(self, name: str) -> Any:
        raise KeyError(f"'{name}' is not a setting of this version of the studio "
                       f"(recipe.schema.json)")


def load_schema() -> Dict[str, Any]:
    with open(SCHEMA_PATH, encoding="utf-8") as file:
        return json.load(file)


def knob_table() -> Dict[str, Dict[str, Any]]:
    """Every knob's schema entry, in the order of src/config.ts."""
    return load_schema()["properties"]["config"]["properties"]


def default_config() -> Config:
    return Config({name: spec["default"] for name, spec in knob_table().items()})


def js_number(value: Any) -> str:
    """A number as JavaScript's String() writes it, so messages read as the TypeScript ones."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "true" if value is True else "false" if value is False else str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        text = repr(value)
        if "e" in text and abs(value) >= 1e-6:
            return format(Decimal(text), "f")
        return text.replace("e-0", "e-").replace("e+", "e+")
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def knob_error(name: str, value: Any,
               table: Optional[Dict[str, Dict[str, Any]]] = None) -> Optional[str]:
    """One value against its knob: an error message, or None (knobError in src/config.ts)."""
    table = table if table is not None else knob_table()
    if name not in table:
        return f"unknown setting '{name}'"
    spec = table[name]
    kind = spec["type"]
    if kind in ("number", "integer"):
        if not _is_number(value) or not math.isfinite(value):
            return f"{name} must be a finite number, got {js_number(value)}"
        if "x-off" in spec and value == spec["x-off"]:
            return None
        if value < spec["minimum"] or value > spec["maximum"]:
            off = f" (or {js_number(spec['x-off'])}: off)" if "x-off" in spec else ""
            return (f"{name} must be between {js_number(spec['minimum'])} and "
                    f"{js_number(spec['maximum'])}{off}, got {js_number(value)}")
        if kind == "integer" and not float(value).is_integer():
            return f"{name} must be a whole number, got {js_number(value)}"
        return None
    if kind == "string":
        if value in spec["enum"] and isinstance(value, str):
            return None
        return f"{name} must be one of {', '.join(spec['enum'])}, got {js_number(value)}"
    if kind == "boolean":
        return None if isinstance(value,
                                  bool) else f"{name} must be true or false, got {js_number(value)}"
    raise RecipeError(f"recipe.schema.json: knob {name} has an unknown type {kind}")


def config_problems(config: Dict[str, Any]) -> List[str]:
    """Settings each in range but contradicting one another (configProblems in src/config.ts)."""
    problems = []
    end = prune_end_fraction(config)
    if config["pruning"] and config["mode"] == "lowrank" and config["pruneStart"] > end:
        decay = ", the first learning-rate decay" if end < config["pruneEnd"] else ""
        problems.append(
            f"pruneStart ({js_number(config['pruneStart'])}) is after the end of the pruning "
            f"window ({js_number(end)}{decay}): nothing would be pruned")
    if config["maxRank"] > 0 and config["minRank"] > config["maxRank"]:
        problems.append(
            f"minRank ({js_number(config['minRank'])}) is above maxRank "
            f"({js_number(config['maxRank'])})")
    return problems


def validate_config(values: Dict[str, Any]) -> Config:
    """A complete, coherent TrainConfig from `values`, or RecipeError listing every problem."""
    table = knob_table()
    errors = [e for e in (knob_error(n, v, table) for n, v in values.items()) if e]
    missing = [name for name in table if name not in values]
    if missing:
        errors.append(f"missing {', '.join(missing)} (a recipe names every setting; "
                      "export it again from the studio)")
    if errors:
        raise RecipeError(f"invalid settings: {'; '.join(errors)}")
    config = Config({name: values[name] for name in table})
    problems = config_problems(config)
    if problems:
        raise RecipeError("; ".join(problems))
    return config


def validate_recipe(recipe: Any) -> Config:
    """The TrainConfig of a recipe.json object (format, version, config; dataset and command
    are optional)."""
    if not isinstance(recipe, dict):
        raise RecipeError("a recipe is a JSON object with format, version and config")
    if recipe.get("format") != RECIPE_FORMAT:
        raise RecipeError(f"not a recipe: format must be '{RECIPE_FORMAT}', got "
                          f"{recipe.get('format')!r}")
    if recipe.get("version") != RECIPE_VERSION:
        raise RecipeError(f"recipe version {recipe.get('version')!r} is not supported "
                          f"(this version reads {RECIPE_VERSION})")
    if not isinstance(recipe.get("config"), dict):
        raise RecipeError("the recipe has no config object")
    return validate_config(recipe["config"])


def load_recipe(path: str) -> Dict[str, Any]:
    """The parsed recipe file (config validated); RecipeError says what is wrong."""
    try:
        with open(path, encoding="utf-8") as file:
            recipe = json.load(file)
    except OSError as error:
        raise RecipeError(f"{path}: cannot be read ({error.strerror})") from error
    except json.JSONDecodeError as error:
        raise RecipeError(f"{path}: is not JSON ({error.msg}, line {error.lineno})") from error
    recipe["config"] = validate_recipe(recipe)
    return recipe
