"""Schedules over the run's progress (src/lowrank/schedules.ts): learning rate, lambda_r ramp, the
end of the pruning window, and fractions of the run in steps."""

import math
from typing import Any, Dict

STEP_DECAY_FRACTIONS = (0.5, 0.75)
STEP_DECAY_FACTOR = 0.1


def learning_rate_at(config: Dict[str, Any], progress: float) -> float:
    warmup_fraction = config["warmupFraction"]
    warmup = min(1.0, (progress + 1e-9) / warmup_fraction) if warmup_fraction > 0 else 1.0
    clamped = min(1.0, max(0.0, progress))
    if config["schedule"] == "cosine":
        decay = 0.5 * (1 + math.cos(math.pi * clamped))
    else:
        decay = 1.0
        for at in STEP_DECAY_FRACTIONS:
            decay = decay * STEP_DECAY_FACTOR if clamped >= at else decay
    return config["learningRate"] * warmup * decay


def lambda_rank_at(config: Dict[str, Any], progress: float) -> float:
    """lambda_r rises linearly from 0 over the first rankRampFraction of the run."""
    if config["rankRampFraction"] <= 0:
        return config["lambdaRank"]
    return config["lambdaRank"] * min(1.0, max(0.0, progress) / config["rankRampFraction"])


def prune_end_fraction(config: Dict[str, Any]) -> float:
    """pruneEnd, and never later than the first decay of a step schedule."""
    if config["schedule"] == "step":
        return min(config["pruneEnd"], STEP_DECAY_FRACTIONS[0])
    return config["pruneEnd"]


def steps_of(fraction: float, run_steps: int) -> int:
    """A fraction of the run in whole steps (at least one for any positive fraction)."""
    # floor(x + 0.5) is JavaScript's Math.round; Python's round() rounds halves to even
    return 0 if fraction <= 0 else max(1, math.floor(fraction * run_steps + 0.5))
