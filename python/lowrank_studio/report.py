"""report.json as `npm run experiment` writes it (ExperimentReport of scripts/lib/report.ts), and
the ExportReport (src/protocol.ts) that goes with an exported model."""

import datetime
from typing import Any, Dict, List

from lowrank_studio.accounting import size_kept


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


def percent(share: float) -> float:
    return 100 * share


def history_entry(summary: Dict[str, Any], train_loss: float, train_accuracy: float,
                  pruned: int) -> Dict[str, Any]:
    size = summary["size"]
    return {"epoch": summary["epoch"], "step": summary["step"], "trainLoss": train_loss,
            "trainAccuracy": train_accuracy, "testAccuracy": summary["testAccuracy"],
            "paramsKeptPercent": percent(size["paramsKept"]),
            "factorisedParamsKeptPercent": percent(size["factorisedParamsKept"]),
            "rankKeptPercent": percent(size["rankKept"]), "pruned": pruned}


def run_report(config: Dict[str, Any], accounting: Dict[str, Any], test: Dict[str, float],
               seconds: float,
               initial_ranks: List[int], history: List[Dict[str, Any]]) -> Dict[str, Any]:
    """RunReport of one finished run."""
    size = size_kept(accounting)
    costs = {key: {form: accounting[form][key] for form in ("dense", "factorised", "deployable")}
             for key in ("params", "macs")}
    return {
        "mode": config["mode"], "config": dict(config), "epochs": config["epochs"],
        "testAccuracy": test["accuracy"], "testLoss": test["loss"], "seconds": seconds,
        "secondsPerEpoch": seconds / config["epochs"], "params": costs["params"], "macs": costs[
            "macs"],
        "paramsKeptPercent": percent(size["paramsKept"]),
        "factorisedParamsKeptPercent": percent(size["factorisedParamsKept"]),
        "rankKeptPercent": percent(size["rankKept"]), "macsKeptPercent": percent(size["macsKept"]),
        "layers": [{"name": layer["name"], "initialRank": initial_ranks[i],
                    "finalRank": layer["rank"],
                    "breakEvenRank": layer["breakEvenRank"],
                    "params": {
                        form: layer[form]["params"] for form in ("dense", "factorised",
                                                                 "deployable")},
                    "form": layer["deployableForm"]}
                   for i, layer in enumerate(accounting["layers"])],
        "history": history,
    }


def dataset_record(dataset: Any, counts: Dict[str, int], kind: bool = False) -> Dict[str, Any]:
    """The dataset as report.json names it (`kind`: with its kind, as npm run experiment does)
    or the run log's header: its image counts, class names, and for an image-folder set how it
    was read (FolderInfo of src/data/folderInfo.ts)."""
    record = {"name": dataset.name, **({"kind": dataset.kind} if kind else {}), **counts,
              "classNames": list(dataset.class_names)}
    if dataset.folder is not None:
        record["folder"] = dataset.folder
    return record


def experiment_report(backend: str, dataset: Dict[str, Any], model: str,
                      runs: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {"createdAt": now(), "backend": backend, "dataset": dataset, "model": model,
            "runs": runs}


def export_report(dataset_name: str, config: Dict[str, Any], step: int, epoch: int, accuracy: float,
                  accounting: Dict[str, Any], exported: int, layer_ranks: List[Dict[str, Any]],
                  forms: List[Dict[str, Any]]) -> Dict[str, Any]:
    """ExportReport (src/train/exporter.ts) of the exported model."""
    size = size_kept(accounting)
    form_of = {f["name"]: f["form"] for f in forms}
    return {
        "dataset": dataset_name, "model": config["architecture"], "mode": config["mode"],
        "step": step,
        "epoch": epoch, "testAccuracy": accuracy,
        "params": {"dense": accounting["dense"]["params"],
                   "factorised": accounting["factorised"]["params"],
                   "deployable": accounting["deployable"]["params"], "exported": exported},
        "macs": {"dense": accounting["dense"]["macs"],
                 "exported": accounting["deployable"]["macs"]},
        "paramsKeptPercent": 100 * exported / accounting["dense"]["params"],
        "factorisedParamsKeptPercent": percent(size["factorisedParamsKept"]),
        "rankKeptPercent": percent(size["rankKept"]), "macsKeptPercent": percent(size["macsKept"]),
        "layers": [{"name": r["name"], "rank": r["rank"], "fullRank": r["fullRank"],
                    "breakEvenRank": r["breakEvenRank"], "form": form_of.get(
                        r["name"].replace("/", "_"), "composed"),
                    "params": {form: accounting["layers"][i][form]["params"]
                               for form in ("dense", "factorised", "deployable")}}
                   for i, r in enumerate(layer_ranks)],
        "config": dict(config), "exportedAt": now(),
    }
