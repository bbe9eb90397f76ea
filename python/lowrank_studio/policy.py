"""When to prune and how much (src/lowrank/pruningPolicy.ts): the window, the loss gate, the
spacing of events, floors and cap, and the target-size controller with its cubic budget. Pure
arithmetic on |s| and layer shapes; its state (TypeScript field names) goes into checkpoints.

A policy model is {layers: [{shape, singularValues}], fixed, denseParams, classes}, a plan is
{keep: [[...] per layer], fade: [[...] per layer]}."""

import copy
import math
from typing import Any, Dict, List, Optional, Sequence

from lowrank_studio.accounting import account_layer
from lowrank_studio.pruning import directions_to_keep
from lowrank_studio.schedules import prune_end_fraction

# weight of the newest loss in the moving average: about the last 20 steps
LOSS_SMOOTHING = 0.05
# losses the average takes in before the gate may open (GATE_WARMUP of pruningPolicy.ts)
GATE_WARMUP = 60

Plan = Dict[str, List[List[int]]]


def fresh_state() -> Dict[str, Any]:
    return {"initialLoss": None, "smoothedLoss": None, "observations": 0, "openedAt": None,
            "lastEventAt": None, "closed": False, "fading": []}


def rank_floor(shape: Dict[str, Any], settings: Dict[str, Any], classes: int) -> int:
    """minRank, and classes - 1 for the classifier; all of an unpruned classifier."""
    if shape["kind"] == "dense" and not settings["pruneClassifier"]:
        return shape["rank"]
    floor = max(settings["minRank"],
                classes - 1) if shape["kind"] == "dense" else settings["minRank"]
    return min(shape["rank"], max(1, floor))


def event_cap(rank: int, prune_cap: float) -> int:
    return max(1, math.floor(prune_cap * rank))


def prune_rule_of(settings: Dict[str, Any]) -> Dict[str, Any]:
    if settings["pruneRule"] == "relative":
        return {"kind": "relative", "threshold": settings["pruneThreshold"]}
    return {"kind": "energy", "epsilon": settings["energyEpsilon"]}


def _strongest(values: Sequence[float], count: int) -> List[int]:
    magnitudes = [abs(v) for v in values]
    return sorted(sorted(range(len(magnitudes)), key=lambda i: -magnitudes[i])[:count])


def deployable_params(model: Dict[str, Any], ranks: Sequence[int]) -> int:
    return model["fixed"]["params"] + sum(
        account_layer({**layer["shape"], "rank": ranks[i]})["deployable"]["params"]
        for i, layer in enumerate(model["layers"]))


def budget_at(target: float, t: float) -> float:
    """target + (1 - target)(1 - t)^3 (gradual pruning, Zhu and Gupta 2017)."""
    remaining = 1 - min(1.0, max(0.0, t))
    return target + (1 - target) * remaining ** 3


def restrict(model: Dict[str, Any], keep: Sequence[Sequence[int]]) -> Dict[str, Any]:
    return {**model, "layers": [
        {"shape": {**layer["shape"], "rank": len(keep[li])},
         "singularValues": [layer["singularValues"][i] for i in keep[li]]}
        for li, layer in enumerate(model["layers"])]}


def _params_by_rank(shape: Dict[str, Any]) -> List[int]:
    return [account_layer({**shape, "rank": rank})["deployable"]["params"]
            for rank in range(shape["rank"] + 1)]


def _by_strength(values: Sequence[float]):
    """A layer's directions, strongest first, with each one's share of the layer's energy."""
    energies = [float(s) * float(s) for s in values]
    total = 0.0
    for energy in energies:
        total += energy
    total = total or 1
    order = sorted(range(len(energies)), key=lambda i: (-energies[i], i))
    return order, [energies[i] / total for i in order]


def cut_to_budget(model: Dict[str, Any], budget: float, floors: Sequence[int],
                  caps: Sequence[int]) -> List[List[int]]:
    """Moves one layer at a time to a lower rank, the move losing the least energy share per
    deployable param saved first, never a move that saves nothing nor one deeper than the budget
    needs, within floors and caps, until the deployable params meet `budget` (cutToBudget)."""
    layers = []
    for li, layer in enumerate(model["layers"]):
        order, shares = _by_strength(layer["singularValues"])
        layers.append({"order": order, "shares": shares,
                       "paramsAt": _params_by_rank(layer["shape"]),
                       "lowest": max(floors[li], layer["shape"]["rank"] - caps[li])})
    ranks = [layer["shape"]["rank"] for layer in model["layers"]]
    params = deployable_params(model, ranks)
    while params > budget:
        best = None
        for li, layer in enumerate(layers):
            lost = 0.0
            params_at = layer["paramsAt"]
            for rank in range(ranks[li] - 1, layer["lowest"] - 1, -1):
                lost += layer["shares"][rank]
                saved = params_at[ranks[li]] - params_at[rank]
                if saved <= 0:
                    continue
                cost = lost / saved
                if best is None or cost < best[2]:
                    best = (li, rank, cost, saved)
                if params - saved <= budget:
                    break
        if best is None:
            break
        ranks[best[0]] = best[1]
        params -= best[3]
    return [sorted(layer["order"][:ranks[li]]) for li, layer in enumerate(layers)]


def cut_by_rule(model: Dict[str, Any], rule: Dict[str, Any], floors: Sequence[int],
                caps: Sequence[int]) -> List[List[int]]:
    """The threshold rule within floors and caps; a layer whose cut would save no deployable
    params keeps every direction (cutByRule)."""
    out = []
    for li, layer in enumerate(model["layers"]):
        shape = layer["shape"]
        rank = shape["rank"]
        keep = directions_to_keep(layer["singularValues"], rule, floors[li])

        def deployable(r: int) -> int:
            return account_layer({**shape, "rank": r})["deployable"]["params"]

        if len(keep) >= rank or deployable(len(keep)) >= deployable(rank):
            out.append(list(range(rank)))
            continue
        fewest = rank - caps[li]
        out.append(keep if len(keep) >= fewest else _strongest(layer["singularValues"], fewest))
    return out


class PruningPolicy:
    def __init__(self, classes: int) -> None:
        self.classes = classes
        self.state = fresh_state()

    def observe_loss(self, cross_entropy: float) -> None:
        if not math.isfinite(cross_entropy):
            return
        smoothed = self.state["smoothedLoss"]
        self.state["smoothedLoss"] = (cross_entropy if smoothed is None
                                      else smoothed + LOSS_SMOOTHING * (cross_entropy - smoothed))
        if self.state["initialLoss"] is None:
            self.state["initialLoss"] = cross_entropy
        if self.state.get("observations") is not None:
            self.state["observations"] += 1

    @property
    def loss_below_chance(self) -> float:
        """How far the smoothed loss is below ln(classes), as a fraction of it; 0 until warm."""
        smoothed, observations = self.state["smoothedLoss"], self.state.get("observations")
        warm = observations is None or observations >= GATE_WARMUP
        if smoothed is None or not warm:
            return 0.0
        return 1 - smoothed / math.log(max(2, self.classes))

    def window(self, settings: Dict[str, Any], progress: float) -> str:
        """Where the run stands with its window (PruningWindow of src/protocol.ts)."""
        if not settings["pruning"] or settings["mode"] != "lowrank":
            return "off"
        if self.state["closed"]:
            return "closed"
        if self.state["openedAt"] is not None:
            return "open"
        return "missed" if progress > prune_end_fraction(settings) else "waiting"

    def due(self, settings: Dict[str, Any], progress: float) -> bool:
        if not settings["pruning"] or settings["mode"] != "lowrank":
            return False
        end = prune_end_fraction(settings)
        if self.state["closed"]:
            return False
        if self.state["openedAt"] is None:
            if progress < settings["pruneStart"] or progress > end:
                return False
            # a gate of 0 is off: a demonstration of pruning a network that has not learned
            gate = settings["pruneLossDrop"]
            if gate > 0 and self.loss_below_chance < gate:
                return False
            self.state["openedAt"] = progress
            return True
        if progress >= end:
            return True
        last = self.state["lastEventAt"] if self.state["lastEventAt"] is not None else self.state[
            "openedAt"]
        # a hair of tolerance: progress is a sum of fractions that rounding can leave short
        return progress - last >= settings["pruneInterval"] - 1e-9

    def plan(self, settings: Dict[str, Any], model: Dict[str, Any], progress: float) -> Plan:
        end = prune_end_fraction(settings)
        opened = self.state["openedAt"] if self.state["openedAt"] is not None else progress
        final = progress >= end
        self.state["lastEventAt"] = progress
        if final:
            self.state["closed"] = True
        floors = [rank_floor(li["shape"], settings, model["classes"]) for li in model["layers"]]
        if settings["targetParamsKept"] <= 0:
            self.state["fading"] = []
            caps = [event_cap(li["shape"]["rank"], settings["pruneCap"]) for li in model["layers"]]
            return {"keep": cut_by_rule(model, prune_rule_of(settings), floors, caps), "fade": []}
        target = settings["targetParamsKept"] / 100

        def budget_at_progress(p: float) -> float:
            t = (p - opened) / (end - opened) if end > opened else 1
            return budget_at(target, t) * model["denseParams"]

        fading = self.state["fading"]
        faded = [
            set(fading[li]) if li < len(fading) else set() for li in range(len(model["layers"]))]
        keep = [[i for i in range(layer["shape"]["rank"]) if i not in faded[li]]
                for li, layer in enumerate(model["layers"])]
        remaining = restrict(model, keep)
        if final or not settings["fadeBeforeCut"]:
            ranks = [layer["shape"]["rank"] for layer in remaining["layers"]]
            caps = [rank if final else event_cap(rank, settings["pruneCap"]) for rank in ranks]
            kept = cut_to_budget(remaining, budget_at_progress(end if final else progress), floors,
                                 caps)
            self.state["fading"] = []
            return {
                "keep": [[keep[li][i] for i in kept[li]] for li in range(len(keep))], "fade": []}
        caps = [event_cap(li["shape"]["rank"], settings["pruneCap"]) for li in remaining["layers"]]
        upcoming = min(end, progress + settings["pruneInterval"])
        survivors = cut_to_budget(remaining, budget_at_progress(upcoming), floors, caps)
        # indices into the layer after this event's cut, i.e. into `keep`
        fade = [[i for i in range(len(kept)) if i not in set(survivors[li])]
                for li, kept in enumerate(keep)]
        self.state["fading"] = fade
        return {"keep": keep, "fade": fade}

    def enforce_target(self, settings: Dict[str, Any], model: Dict[str, Any]) -> Optional[Plan]:
        """After the window: a target lowered below the model's size is applied at once."""
        if not self.state["closed"] or settings["targetParamsKept"] <= 0 or not settings["pruning"]:
            return None
        budget = settings["targetParamsKept"] / 100 * model["denseParams"]
        ranks = [li["shape"]["rank"] for li in model["layers"]]
        if deployable_params(model, ranks) <= budget:
            return None
        floors = [rank_floor(li["shape"], settings, model["classes"]) for li in model["layers"]]
        return {"keep": cut_to_budget(model, budget, floors, ranks), "fade": []}

    def manual(self, settings: Dict[str, Any], model: Dict[str, Any]) -> Plan:
        """"Prune now": the threshold rule at once, within the floors, with no cap."""
        floors = [rank_floor(li["shape"], settings, model["classes"]) for li in model["layers"]]
        ranks = [li["shape"]["rank"] for li in model["layers"]]
        keep = cut_by_rule(model, prune_rule_of(settings), floors, ranks)
        return {"keep": keep, "fade": self.remap_fading(keep)}

    def remap_fading(self, keep: Sequence[Sequence[int]]) -> List[List[int]]:
        """The fading directions a cut keeps, renumbered into the layers after the cut."""
        fading = self.state["fading"]
        self.state["fading"] = [
            [position for position,
             i in enumerate(kept) if i in set(fading[li] if li < len(fading) else [])]
            for li, kept in enumerate(keep)]
        return self.state["fading"]

    def snapshot(self) -> Dict[str, Any]:
        return copy.deepcopy(self.state)
