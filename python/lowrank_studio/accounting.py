"""Params and MACs of each layer dense, factorised and deployable (src/lowrank/accounting.ts),
as plain dicts with the TypeScript field names, ready for the run log and the reports."""

from typing import Any, Dict, List, Optional

Cost = Dict[str, int]


def account_layer(shape: Dict[str, Any]) -> Dict[str, Any]:
    k, cin, cout, rank = shape["kernelSize"], shape["inChannels"], shape["outChannels"], shape[
        "rank"]
    rows = k * k * cin
    positions = shape["outHeight"] * shape["outWidth"]
    bias = cout if shape["hasBias"] else 0
    dense = {"params": rows * cout + bias, "macs": positions * rows * cout}
    factorised = {"params": rank * (rows + cout) + rank + bias,
                  "macs": positions * rank * (rows + cout)}
    lowrank_wins = factorised["params"] < dense["params"]
    return {
        "name": shape["name"],
        "rank": rank,
        "fullRank": min(rows, cout),
        "breakEvenRank": rows * cout / (rows + cout),
        "dense": dense,
        "factorised": factorised,
        "deployable": factorised if lowrank_wins else dense,
        "deployableForm": "lowrank" if lowrank_wins else "composed",
    }


def account_model(shapes: List[Dict[str, Any]], fixed: Optional[Cost] = None) -> Dict[str, Any]:
    layers = [account_layer(shape) for shape in shapes]
    fixed = fixed or {"params": 0, "macs": 0}

    def total(form: str) -> Cost:
        return {
            key: fixed[key] + sum(layer[form][key] for layer in layers)
            for key in ("params", "macs")}

    return {"layers": layers, "dense": total("dense"), "factorised": total("factorised"),
            "deployable": total("deployable")}


def size_kept(accounting: Dict[str, Any]) -> Dict[str, float]:
    """SizeKept: each figure as a share of the dense network."""
    dense, layers = accounting["dense"], accounting["layers"]
    full_ranks = sum(layer["fullRank"] for layer in layers)
    return {
        "paramsKept": accounting["deployable"]["params"] / dense["params"],
        "factorisedParamsKept": accounting["factorised"]["params"] / dense["params"],
        "macsKept": accounting["deployable"]["macs"] / dense["macs"],
        "rankKept": sum(layer["rank"] for layer in layers) / full_ranks if full_ranks else 1,
        "compressionRatio": dense["params"] / accounting["deployable"]["params"],
    }


def cost_summaries(accounting: Dict[str, Any]) -> Dict[str, Dict[str, int]]:
    """params and macs as CostSummary {dense, factorised, deployable}."""
    return {key: {form: accounting[form][key] for form in ("dense", "factorised", "deployable")}
            for key in ("params", "macs")}
