"""`python3 -m lowrank_studio --recipe recipe.json --data <archive|folder> --out <dir>`: trains a
recipe to its end (alone, or as one of torchrun's processes) and writes report.json, run-log.jsonl,
the exported model (model.json, model.weights.bin, export-report.json) and checkpoint.pt."""

import argparse
import json
import math
import os
import sys
import time
from typing import Any, Dict, List, Optional

import torch

from lowrank_studio import distributed
from lowrank_studio.accounting import cost_summaries, size_kept
from lowrank_studio.cifar import DatasetError, load_cifar
from lowrank_studio.export import export_layers_model, exported_params, save
from lowrank_studio.recipe import Config, RecipeError, load_recipe, validate_config
from lowrank_studio.report import experiment_report, export_report, history_entry, run_report
from lowrank_studio.runlog import RunLog, producer
from lowrank_studio.trainer import Trainer

CHECKPOINT = "checkpoint.pt"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python3 -m lowrank_studio",
        description="Trains a low-rank studio recipe (DPRP on a factorised CIFAR ResNet) with "
                    "PyTorch. Under torchrun the recipe's batchSize is the GLOBAL batch: each of "
                    "the N processes takes a 1/N share of every batch, in the order a single "
                    "process would see them, so N processes train as one does.")
    p.add_argument("--recipe", required=True, help="recipe.json exported by the studio")
    p.add_argument("--data", required=True,
                   help="cifar-10/100-binary.tar.gz, its .tar, a .bin or a folder")
    p.add_argument("--out", required=True,
                   help="folder for report.json, run-log.jsonl, the model, checkpoints")
    p.add_argument("--epochs", type=int, help="override the recipe's epochs")
    p.add_argument("--train-limit", type=int, help="use only the first K training images")
    p.add_argument("--test-limit", type=int, help="use only the first K test images")
    p.add_argument("--seed", type=int, help="override the recipe's seed")
    p.add_argument("--device", choices=["cpu", "cuda"], help="default: cuda where available")
    p.add_argument("--resume", help="a checkpoint.pt to continue from")
    p.add_argument("--stop-after-epochs", type=int,
                   help="train at most N epochs in this invocation, then stop with a checkpoint "
                        "(jobs with a wall-time limit; continue with --resume)")
    p.add_argument("--log-every", type=int, default=1, help="write every Nth step to run-log.jsonl")
    p.add_argument("--coarse", action="store_true", help="CIFAR-100 coarse labels")
    return p


def positive(name: str, value: Optional[int]) -> Optional[int]:
    if value is not None and value < 1:
        raise RecipeError(f"--{name} needs a positive whole number, got {value}")
    return value


def configure(args: argparse.Namespace) -> Dict[str, Any]:
    recipe = load_recipe(args.recipe)
    overrides = {k: v for k, v in (("epochs", args.epochs), ("seed", args.seed)) if v is not None}
    recipe["config"] = validate_config({**recipe["config"], **overrides})
    limits = recipe.get("dataset") or {}
    recipe["trainLimit"] = positive("train-limit", args.train_limit) or limits.get("trainLimit")
    recipe["testLimit"] = positive("test-limit", args.test_limit) or limits.get("testLimit")
    return recipe


def summary_of(trainer: Trainer, test: Dict[str, float]) -> Dict[str, Any]:
    """EpochSummary of src/protocol.ts."""
    accounting = trainer.accounting()
    return {"epoch": trainer.epoch, "step": trainer.step, "testAccuracy": test["accuracy"],
            "testLoss": test["loss"], "testCount": test["count"], "size": size_kept(accounting),
            **cost_summaries(accounting)}


def spectra_event(trainer: Trainer) -> Dict[str, Any]:
    return {"type": "spectra", "step": trainer.step, "layers": trainer.layer_ranks(),
            "values": trainer.spectra()}


def train(trainer: Trainer, log: RunLog, out: str, log_every: int, state: Dict[str, Any],
          last_epoch: int) -> Dict[str, float]:
    """Runs the epochs up to `last_epoch` (the loop of scripts/lib/runJob.ts); returns the last
    evaluation."""
    leader = distributed.current().leader
    config = trainer.config
    test = state.get("lastTest")
    while trainer.epoch < last_epoch:
        loss_sum = accuracy_sum = 0.0
        steps = 0
        while True:
            metrics = trainer.train_step()
            if not math.isfinite(metrics["total"]):
                raise RuntimeError(
                    f"the {config['mode']} run diverged at step {metrics['step']}: the loss "
                    f"became NaN or infinite. Lower the learning rate (now "
                    f"{config['learningRate']}) or the regulariser weights (lambdaOrth "
                    f"{config['lambdaOrth']}, lambdaRank {config['lambdaRank']}).")
            loss_sum += metrics["crossEntropy"]
            accuracy_sum += metrics["trainAccuracy"]
            steps += 1
            if metrics["step"] % log_every == 0:
                log.step(metrics)
            events = trainer.prune_if_due()
            if events:
                log.write({"type": "pruned", "step": trainer.step, "events": events,
                           "size": size_kept(trainer.accounting())})
                log.write(spectra_event(trainer))
            if metrics["endOfEpoch"]:
                break
        test = trainer.evaluate()
        summary = summary_of(trainer, test)
        log.write({"type": "evaluation", "run": "main", "scope": "full", "step": trainer.step,
                   "count": test["count"], "testAccuracy": test["accuracy"],
                   "testLoss": test["loss"]})
        log.write({"type": "epoch", "run": "main", "summary": summary})
        log.write(spectra_event(trainer))
        state["history"].append(history_entry(summary, loss_sum / steps, accuracy_sum / steps,
                                              len(trainer.epoch_prune_events)))
        trainer.epoch_prune_events = []
        state["lastTest"] = test
        if leader:
            print(f"epoch {trainer.epoch}/{config['epochs']}: loss {loss_sum / steps:.4f}, "
                  f"test accuracy {100 * test['accuracy']:.2f}%, "
                  f"params kept {100 * summary['size']['paramsKept']:.1f}%", file=sys.stderr)
            save_checkpoint(trainer, state, out)
    return test


def save_checkpoint(trainer: Trainer, state: Dict[str, Any], out: str) -> None:
    path = os.path.join(out, CHECKPOINT)
    torch.save({**trainer.checkpoint(), "run": {k: v for k, v in state.items() if k != "started"},
                "seconds": time.time() - state["started"] + state.get("secondsBefore", 0.0)},
               path + ".tmp")
    os.replace(path + ".tmp", path)


def write_outputs(trainer: Trainer, dataset, test: Dict[str, float], state: Dict[str, Any],
                  out: str,
                  device: str) -> None:
    config = trainer.config
    accounting = trainer.accounting()
    seconds = time.time() - state["started"] + state.get("secondsBefore", 0.0)
    run = run_report(config, accounting, test, seconds, state["initialRanks"], state["history"])
    counts = {"trainCount": trainer.train.count, "testCount": trainer.test.count}
    report = experiment_report(f"pytorch-{device}", {"name": dataset.name, "kind": dataset.kind,
                                                     **counts},
                               config["architecture"], [run])
    with open(os.path.join(out, "report.json"), "w", encoding="utf-8") as file:
        json.dump(report, file, indent=2)
    model_json, data, forms = export_layers_model(trainer.model, trainer.stats, producer())
    save(model_json, data, out)
    exported = export_report(dataset.name, config, trainer.step, trainer.epoch, test["accuracy"],
                             accounting,
                             exported_params(model_json), trainer.layer_ranks(), forms)
    with open(os.path.join(out, "export-report.json"), "w", encoding="utf-8") as file:
        json.dump(exported, file, indent=2)


def truncate_after(path: str, step: int) -> None:
    """Drops the run log's lines after `step`, keeping its header."""
    with open(path, encoding="utf-8") as file:
        lines = file.readlines()
    kept = [line for line in lines if line_step(json.loads(line)) <= step]
    with open(path, "w", encoding="utf-8") as file:
        file.writelines(kept)


def line_step(event: Dict[str, Any]) -> int:
    if event["type"] == "header":
        return 0
    return event["summary"]["step"] if event["type"] == "epoch" else event["step"]


def main(argv: Optional[List[str]] = None) -> int:
    args = parser().parse_args(argv)
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    world = distributed.start(device)
    try:
        if args.log_every < 1:
            raise RecipeError(f"--log-every needs a positive whole number, got {args.log_every}")
        recipe = configure(args)
        dataset = load_cifar(args.data, "coarse" if args.coarse else "fine")
        os.makedirs(args.out, exist_ok=True)
        if args.resume:
            if args.epochs is not None or args.seed is not None:
                # schedules are fractions of the run: a resumed run keeps the recipe it began with
                raise RecipeError("--resume continues the checkpoint's own recipe: leave out "
                                  "--epochs and --seed")
            checkpoint = torch.load(args.resume, map_location="cpu")
            trainer = Trainer.restore(dataset, checkpoint, device)
            state = {**checkpoint["run"], "secondsBefore": checkpoint["seconds"]}
        else:
            config: Config = recipe["config"]
            trainer = Trainer(dataset, config, recipe["trainLimit"], recipe["testLimit"], device)
            state = {"history": [], "initialRanks": [layer.rank for layer in trainer.layers]}
        state["started"] = time.time()
        log_path = os.path.join(args.out, "run-log.jsonl") if world.leader else None
        resuming_log = bool(args.resume and log_path and os.path.exists(log_path))
        if resuming_log:
            # a run stopped mid-epoch logged steps past its checkpoint: they are trained again
            truncate_after(log_path, trainer.step)
        log = RunLog(log_path, append=resuming_log)
        if not resuming_log:
            costs = cost_summaries(trainer.accounting())
            log.header(trainer.config, {"name": dataset.name, "trainCount": trainer.train.count,
                                        "testCount": trainer.test.count,
                                        "classNames": dataset.class_names},
                       {"processes": world.size, "backend": world.backend, "device": device},
                       trainer.layer_ranks(), costs["params"], costs["macs"])
        if world.leader:
            print(f"{dataset.name}: {trainer.train.count} train / {trainer.test.count} test "
                  f"images; {trainer.config['architecture']} {trainer.config['mode']} on "
                  f"{world.size} {device} process(es), global batch "
                  f"{trainer.config['batchSize']}", file=sys.stderr)
        stop_after = positive("stop-after-epochs", args.stop_after_epochs)
        epochs = trainer.config["epochs"]
        last_epoch = min(epochs, trainer.epoch + stop_after) if stop_after else epochs
        test = train(trainer, log, args.out, args.log_every, state, last_epoch)
        if trainer.epoch < epochs:
            if world.leader:
                print(f"stopped after epoch {trainer.epoch} of {epochs}: continue with --resume "
                      f"{os.path.join(args.out, CHECKPOINT)}", file=sys.stderr)
            log.close()
            return 0
        if test is None:
            test = trainer.evaluate()
        if world.leader:
            write_outputs(trainer, dataset, test, state, args.out, device)
            save_checkpoint(trainer, state, args.out)
            print(f"wrote {args.out}/report.json, run-log.jsonl, model.json", file=sys.stderr)
        log.close()
        return 0
    except (RecipeError, DatasetError, ValueError, RuntimeError, OSError) as error:
        print(f"lowrank_studio: {error}", file=sys.stderr)
        return 1
    finally:
        distributed.stop()
