"""`python3 -m lowrank_studio --recipe recipe.json --data <archive|folder> --out <dir>`: trains a
recipe to its end (alone, or as one of torchrun's processes) and writes report.json, run-log.jsonl,
the exported model (model.json, model.weights.bin, export-report.json), checkpoint.pt and the run
log's TensorBoard event files (tensorboard --logdir <out>)."""

import argparse
import json
import math
import os
import sys
import time
from typing import Any, Dict, List, Optional, Tuple

import torch

from lowrank_studio import distributed
from lowrank_studio import baselines
from lowrank_studio import tensorboard
from lowrank_studio.accounting import cost_summaries, size_kept
from lowrank_studio.batches import limit_split, with_validation
from lowrank_studio.cifar import DatasetError
from lowrank_studio.export import export_layers_model, exported_params, model_labels, save
from lowrank_studio.image_folder import DEFAULT_TEST_FRACTION
from lowrank_studio.image_load import DEFAULT_FOLDER_SIDE, folder_notice, load_dataset
from lowrank_studio.recipe import Config, RecipeError, load_recipe, validate_config
from lowrank_studio.report import (dataset_record, experiment_report, export_report,
                                   history_entry, run_report)
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
                   help="cifar-10/100-binary.tar.gz, its .tar, a .bin or a folder; or your own "
                        "images, one folder per class (a folder, .zip, .tar or .tar.gz: "
                        "<class>/<image> or train|test/<class>/<image>)")
    p.add_argument("--out", required=True,
                   help="folder for report.json, run-log.jsonl, the model, checkpoints and "
                        "TensorBoard's event files")
    p.add_argument("--epochs", type=int, help="override the recipe's epochs")
    p.add_argument("--train-limit", type=int, help="use only the first K training images")
    p.add_argument("--test-limit", type=int, help="use only the first K test images")
    p.add_argument("--match-params", metavar="REPORT",
                   help="a dense recipe only: narrow the network to the deployable params of the "
                        "low-rank run in REPORT (report.json), within 2%%")
    p.add_argument("--rank-plan", metavar="REPORT",
                   help="a low-rank recipe only: hold every layer at the final rank of the "
                        "low-rank run in REPORT from the first step, with no pruning")
    p.add_argument("--post-hoc", metavar="REPORT",
                   help="a low-rank recipe only, with --dense-checkpoint: truncate the dense "
                        "network's kernels to the final ranks of the low-rank run in REPORT by "
                        "SVD and fine-tune them, with no pruning, for the rest of the recipe's "
                        "epochs")
    p.add_argument("--dense-checkpoint", metavar="CHECKPOINT",
                   help="for --post-hoc: checkpoint.pt of a dense run of the same recipe, stopped "
                        "part way (--stop-after-epochs)")
    p.add_argument("--validation", type=int, default=0,
                   help="hold N training images out (stratified; the same images in every run): "
                        "each epoch is evaluated on them, the test set once at the end")
    p.add_argument("--seed", type=int, help="override the recipe's seed")
    p.add_argument("--device", choices=["cpu", "cuda"], help="default: cuda where available")
    p.add_argument("--threads", type=int,
                   help="CPU threads (default: every core, shared among torchrun's processes); "
                        "e.g. 1 each for two runs side by side on two cores")
    p.add_argument("--resume", help="a checkpoint.pt to continue from")
    p.add_argument("--stop-after-epochs", type=int,
                   help="train at most N epochs in this invocation, then stop with a checkpoint "
                        "(jobs with a wall-time limit; continue with --resume)")
    p.add_argument("--log-every", type=int, default=1, help="write every Nth step to run-log.jsonl")
    p.add_argument("--coarse", action="store_true", help="CIFAR-100 coarse labels")
    p.add_argument("--test-fraction", type=float, default=DEFAULT_TEST_FRACTION,
                   help="your own images without a test folder: each class's share tested on "
                        "(default 0.2)")
    p.add_argument("--image-size", type=int, default=DEFAULT_FOLDER_SIDE,
                   help="your own images: the side they are stored at (default 32; the run "
                        "resizes to the recipe's inputSize)")
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
    return {"epoch": trainer.epoch, "step": trainer.step,
            "pruningWindow": trainer.policy.window(trainer.config, trainer.progress),
            "testAccuracy": test["accuracy"],
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
        # with a validation split the epochs are validated, not tested: the log's test
        # evaluation is the one read at the end
        if not state.get("validation"):
            log.write({"type": "evaluation", "run": "main", "scope": "full",
                       "step": trainer.step, "count": test["count"],
                       "testAccuracy": test["accuracy"], "testLoss": test["loss"]})
        log.write({"type": "epoch", "run": "main", "summary": summary})
        log.write(spectra_event(trainer))
        entry = history_entry(summary, loss_sum / steps, accuracy_sum / steps,
                              len(trainer.epoch_prune_events))
        if state.get("validation"):
            entry["validationAccuracy"] = entry.pop("testAccuracy")
        state["history"].append(entry)
        trainer.epoch_prune_events = []
        state["lastTest"] = test
        if leader:
            print(f"epoch {trainer.epoch}/{config['epochs']}: loss {loss_sum / steps:.4f}, "
                  f"{'validation' if state.get('validation') else 'test'} accuracy "
                  f"{100 * test['accuracy']:.2f}%, "
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
                  out: str, device: str, validation: Optional[Dict[str, float]] = None) -> None:
    config = trainer.config
    accounting = trainer.accounting()
    seconds = time.time() - state["started"] + state.get("secondsBefore", 0.0)
    run = run_report(config, accounting, test, seconds, state["initialRanks"], state["history"])
    run["pruningWindow"] = trainer.policy.window(config, trainer.progress)
    if state.get("baseline"):
        run["baseline"] = state["baseline"]
    counts = {"trainCount": trainer.train.count, "testCount": test["count"]}
    if validation:
        run.update(validationAccuracy=validation["accuracy"], validationLoss=validation["loss"],
                   validationCount=validation["count"])
        counts["validationCount"] = validation["count"]
    report = experiment_report(f"pytorch-{device}", dataset_record(dataset, counts, kind=True),
                               config["architecture"], [run])
    with open(os.path.join(out, "report.json"), "w", encoding="utf-8") as file:
        json.dump(report, file, indent=2)
    model_json, data, forms = export_layers_model(trainer.model, trainer.stats, producer())
    labels = model_labels(dataset.class_names, config["inputSize"], dataset.size, trainer.stats,
                          {"architecture": config["architecture"], "mode": config["mode"],
                           "step": trainer.step, "dataset": dataset.name})
    save(model_json, data, out, labels)
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


def baseline_config(config: Config, args: argparse.Namespace,
                    classes: int) -> Tuple[Config, Optional[Dict[str, Any]]]:
    """The recipe as an equal-size baseline asks (--match-params, --rank-plan), and a note of it
    for the report."""
    if sum(bool(flag) for flag in (args.match_params, args.rank_plan, args.post_hoc)) > 1:
        raise RecipeError("--match-params, --rank-plan and --post-hoc are different baselines: "
                          "give one")
    if bool(args.post_hoc) != bool(args.dense_checkpoint):
        raise RecipeError("--post-hoc and --dense-checkpoint go together")
    if args.match_params:
        if config["mode"] != "dense":
            raise RecipeError("--match-params narrows a dense network: use a dense recipe")
        params = baselines.lowrank_run(args.match_params)["params"]["deployable"]
        width, count = baselines.narrower_width(config, classes, params)
        print(f"narrower dense: width x{width} has {count:,} params, against the low-rank "
              f"run's {params:,} deployable", file=sys.stderr)
        return Config({**config, "widthMultiplier": width}), {
            "kind": "narrower-dense", "report": args.match_params, "params": params}
    if args.rank_plan or args.post_hoc:
        if config["mode"] != "lowrank":
            raise RecipeError("--rank-plan and --post-hoc hold a factorised network's ranks: "
                              "use a low-rank recipe")
        kind = "fixed-ranks" if args.rank_plan else "post-hoc"
        return Config({**config, "pruning": False}), {"kind": kind,
                                                      "report": args.rank_plan or args.post_hoc}
    return config, None


def start_post_hoc(trainer: Trainer, checkpoint: Dict[str, Any], run: Dict[str, Any],
                   state: Dict[str, Any]) -> None:
    """The fine-tuning half of the post-hoc baseline: the dense run's weights truncated to the
    low-rank run's ranks, at the dense run's step and place in its epoch order (a fresh
    optimiser: momentum does not carry over to new factors)."""
    dense = checkpoint["config"]
    same = ("architecture", "widthMultiplier", "inputSize", "epochs", "batchSize", "seed",
            "schedule", "learningRate")
    if dense["mode"] != "dense" or any(dense[key] != trainer.config[key] for key in same):
        raise RecipeError("--dense-checkpoint must be a dense run of the same recipe ("
                          + ", ".join(same) + ")")
    if checkpoint["dataset"]["fingerprint"] != trainer.dataset_identity()["fingerprint"]:
        raise RecipeError("--dense-checkpoint was trained on other images (or limits)")
    ranks = baselines.rank_plan(run, [layer.name for layer in trainer.layers])
    baselines.truncate_dense(trainer.model, checkpoint["variables"], ranks)
    trainer.step = checkpoint["step"]
    trainer.sampler.restore(checkpoint["cursor"])
    trainer.augmentation_random.state = checkpoint["augmentationState"]
    trainer.wrap()
    state["secondsBefore"] = checkpoint["seconds"]
    state["baseline"]["denseEpochs"] = trainer.epoch


def hold_ranks(trainer: Trainer, run: Dict[str, Any]) -> None:
    """Cuts every layer to the run's final rank before the first step (its strongest directions
    at initialisation); with pruning off the ranks stay there."""
    ranks = baselines.rank_plan(run, [layer.name for layer in trainer.layers])
    trainer.apply_plan({"keep": [list(range(rank)) for rank in ranks],
                        "fade": [[] for _ in ranks]})
    trainer.epoch_prune_events = []


def held_out(dataset, validation: int):
    """The dataset the trainer sees and, with a validation split, the test split it keeps apart."""
    if validation <= 0:
        return dataset, None
    return with_validation(dataset, validation)


def use_cores(device: str, processes: int, threads: Optional[int] = None) -> None:
    """Debian's torch starts with one thread: a run alone takes every core, torchrun's processes
    a share each. Runs side by side should ask for their share (--threads): two thread pools of
    every core each wait on each other and train several times slower than one run alone."""
    if threads is not None and threads < 1:
        raise RecipeError(f"--threads must be at least 1, not {threads}")
    if device == "cpu":
        torch.set_num_threads(threads or max(1, (os.cpu_count() or 1) // processes))


def write_tensorboard(log_path: Optional[str], out: str, state: Dict[str, Any]) -> None:
    """The run log as TensorBoard event files beside it (tensorboard --logdir <out>), timed from
    the run's start (before any --resume)."""
    if log_path:
        tensorboard.write_event_files(log_path, out, state["startWallTime"])


def main(argv: Optional[List[str]] = None) -> int:
    args = parser().parse_args(argv)
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    world = distributed.start(device)
    try:
        use_cores(device, world.size, args.threads)
        if args.log_every < 1:
            raise RecipeError(f"--log-every needs a positive whole number, got {args.log_every}")
        recipe = configure(args)
        dataset = load_dataset(args.data, "coarse" if args.coarse else "fine",
                               args.test_fraction, args.image_size)
        if dataset.folder and world.leader and folder_notice(dataset.folder):
            print(f"{dataset.name}: {folder_notice(dataset.folder)}", file=sys.stderr)
        os.makedirs(args.out, exist_ok=True)
        if args.resume:
            if (args.epochs is not None or args.seed is not None or args.validation
                    or args.match_params or args.rank_plan or args.post_hoc):
                # schedules are fractions of the run: a resumed run keeps the recipe it began with
                raise RecipeError("--resume continues the checkpoint's own recipe: leave out "
                                  "--epochs, --seed and --validation (and the baselines' flags)")
            checkpoint = torch.load(args.resume, map_location="cpu")
            state = {**checkpoint["run"], "secondsBefore": checkpoint["seconds"]}
            seen, held_test = held_out(dataset, state.get("validation", 0))
            trainer = Trainer.restore(seen, checkpoint, device)
        else:
            validation = max(0, args.validation)
            seen, held_test = held_out(dataset, validation)
            config, baseline = baseline_config(recipe["config"], args, len(dataset.class_names))
            # with a validation split the test limit applies to the test set read at the end
            trainer = Trainer(seen, config, recipe["trainLimit"],
                              None if validation else recipe["testLimit"], device)
            state = {"history": [], "validation": validation, "testLimit": recipe["testLimit"]}
            if baseline:
                state["baseline"] = baseline
            if args.rank_plan:
                hold_ranks(trainer, baselines.lowrank_run(args.rank_plan))
            if args.post_hoc:
                start_post_hoc(trainer, torch.load(args.dense_checkpoint, map_location="cpu"),
                               baselines.lowrank_run(args.post_hoc), state)
            state["initialRanks"] = [layer.rank for layer in trainer.layers]
        state["started"] = time.time()
        # kept in the checkpoint: a resumed run's event files keep their name and clock
        state.setdefault("startWallTime", state["started"] - state.get("secondsBefore", 0.0))
        log_path = os.path.join(args.out, "run-log.jsonl") if world.leader else None
        resuming_log = bool(args.resume and log_path and os.path.exists(log_path))
        if resuming_log:
            # a run stopped mid-epoch logged steps past its checkpoint: they are trained again
            truncate_after(log_path, trainer.step)
        log = RunLog(log_path, append=resuming_log)
        if not resuming_log:
            costs = cost_summaries(trainer.accounting())
            counts = {"trainCount": trainer.train.count, "testCount": trainer.test.count}
            if held_test is not None:
                # the epochs' evaluations are on the validation split
                counts = {"trainCount": trainer.train.count, "validationCount": trainer.test.count,
                          "testCount": limit_split(held_test, state["testLimit"]).count}
            log.header(trainer.config, dataset_record(dataset, counts),
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
            write_tensorboard(log_path, args.out, state)
            return 0
        if test is None:
            test = trainer.evaluate()
        validation = None
        if held_test is not None:
            validation, test = test, trainer.evaluate(limit_split(held_test, state["testLimit"]))
            log.write({"type": "evaluation", "run": "main", "scope": "full",
                       "step": trainer.step, "count": test["count"],
                       "testAccuracy": test["accuracy"], "testLoss": test["loss"]})
            if world.leader:
                print(f"test accuracy {100 * test['accuracy']:.2f}% on {test['count']} images "
                      f"(read once)", file=sys.stderr)
        if world.leader:
            write_outputs(trainer, dataset, test, state, args.out, device, validation)
            save_checkpoint(trainer, state, args.out)
            print(f"wrote {args.out}/report.json, run-log.jsonl, model.json and TensorBoard's "
                  f"event files", file=sys.stderr)
        log.close()
        write_tensorboard(log_path, args.out, state)
        return 0
    except (RecipeError, DatasetError, ValueError, RuntimeError, OSError) as error:
        print(f"lowrank_studio: {error}", file=sys.stderr)
        return 1
    finally:
        distributed.stop()
