"""SGD with (Nesterov) momentum and Adam with per-parameter weight decay, as
src/lowrank/optimisers.ts: slots keyed by the variable's name so that pruning can slice them,
one step counter for the whole optimiser, decay added to the gradient."""

from typing import Any, Dict, Iterable, List, Sequence, Tuple

import torch

SLOT_NAMES = {"sgd": ("momentum",), "adam": ("firstMoment", "secondMoment")}


def settings_for(config: Dict[str, Any], learning_rate: float) -> Dict[str, Any]:
    """The optimiser the trainer builds from a TrainConfig (SGD is always Nesterov)."""
    if config["optimiser"] == "sgd":
        return {"kind": "sgd", "learningRate": learning_rate, "momentum": config["momentum"],
                "nesterov": True}
    return {"kind": "adam", "learningRate": learning_rate, "beta1": 0.9, "beta2": 0.999,
            "epsilon": 1e-8}


class Optimiser:
    def __init__(self, settings: Dict[str, Any]) -> None:
        self.settings = dict(settings)
        self.step_count = 0
        self.slots: Dict[str, Dict[str, torch.Tensor]] = {}

    def configure(self, settings: Dict[str, Any]) -> None:
        """Takes effect at the next step; switching kind drops the old slots."""
        if settings["kind"] != self.settings["kind"]:
            self.reset()
        self.settings = dict(settings)

    @torch.no_grad()
    def apply(self, updates: Iterable[Tuple[str, torch.Tensor, torch.Tensor, float]]) -> None:
        """updates: (name, parameter, gradient, weight decay)."""
        self.step_count += 1
        for name, variable, gradient, weight_decay in updates:
            if weight_decay != 0:
                gradient = gradient + variable * weight_decay
            variable.sub_(self._direction(name, variable, gradient))

    def _direction(self, name: str, variable: torch.Tensor, gradient: torch.Tensor) -> torch.Tensor:
        s = self.settings
        if s["kind"] == "sgd":
            if s["momentum"] == 0:
                return gradient * s["learningRate"]
            buffer = self._slot(name, "momentum", variable)
            buffer.mul_(s["momentum"]).add_(gradient)
            velocity = gradient + buffer * s["momentum"] if s["nesterov"] else buffer
            return velocity * s["learningRate"]
        first = self._slot(name, "firstMoment", variable)
        second = self._slot(name, "secondMoment", variable)
        first.mul_(s["beta1"]).add_(gradient * (1 - s["beta1"]))
        second.mul_(s["beta2"]).add_(gradient * gradient * (1 - s["beta2"]))
        first_unbiased = first / (1 - s["beta1"] ** self.step_count)
        second_unbiased = second / (1 - s["beta2"] ** self.step_count)
        return first_unbiased / (torch.sqrt(second_unbiased) + s["epsilon"]) * s["learningRate"]

    def _slot(self, name: str, slot: str, variable: torch.Tensor) -> torch.Tensor:
        by_name = self.slots.setdefault(name, {})
        if slot not in by_name:
            by_name[slot] = torch.zeros_like(variable)
        return by_name[slot]

    def slice_slots(self, name: str, axis: int, keep: Sequence[int]) -> None:
        """Keeps entries `keep` along `axis` in every slot of a variable that pruning sliced."""
        by_name = self.slots.get(name)
        if not by_name:
            return
        for slot, tensor in by_name.items():
            index = torch.tensor(list(keep), dtype=torch.long, device=tensor.device)
            by_name[slot] = tensor.index_select(axis, index).clone()

    def drop_slots(self, name: str) -> None:
        self.slots.pop(name, None)

    def snapshot(self) -> Dict[str, Any]:
        slots: List[Dict[str, Any]] = [
            {"variable": name, "slot": slot, "values": tensor.detach().cpu().clone()}
            for name, by_name in self.slots.items() for slot, tensor in by_name.items()]
        return {"settings": dict(self.settings), "stepCount": self.step_count, "slots": slots}

    def restore(self, snapshot: Dict[str, Any], device: Any = "cpu") -> None:
        self.reset()
        self.settings = dict(snapshot["settings"])
        self.step_count = snapshot["stepCount"]
        known = SLOT_NAMES[self.settings["kind"]]
        for entry in snapshot["slots"]:
            if entry["slot"] not in known:
                raise ValueError(f"optimiser snapshot: unknown slot '{entry['slot']}'")
            values = torch.as_tensor(entry["values"], dtype=torch.float32).to(device).clone()
            self.slots.setdefault(entry["variable"], {})[entry["slot"]] = values

    def reset(self) -> None:
        self.slots.clear()
        self.step_count = 0
