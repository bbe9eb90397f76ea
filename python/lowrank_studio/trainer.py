"""The training engine (src/train/trainer.ts): builds the model, runs steps, prunes on the
policy's schedule, evaluates, reports spectra and accounting, and checkpoints its whole state.
Under torchrun every process runs this same code on its shard of each global batch."""

import time
from typing import Any, Dict, List, Optional

import numpy as np
import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from lowrank_studio import distributed
from lowrank_studio.accounting import account_model
from lowrank_studio.batches import (EpochSampler, channel_stats, fingerprint, limit_split,
                                    make_batch, on_device, random_augmentation, resize_split)
from lowrank_studio.cifar import Dataset, Split
from lowrank_studio.fading import Fading
from lowrank_studio.optimisers import Optimiser, settings_for
from lowrank_studio.policy import PruningPolicy
from lowrank_studio.pruning import prune_layer, reorthonormalise
from lowrank_studio.recipe import Config
from lowrank_studio.resnet import (ModelConfig, ResNet, accounting_inputs, factorised_layers,
                                   load_tfjs_variables, tfjs_variables)
from lowrank_studio.schedules import lambda_rank_at, learning_rate_at, steps_of
from lowrank_studio.seeded import Random
from lowrank_studio.step import train_step

EVAL_BATCH = 256
# steps between loss read-backs in `npm run experiment` (scripts/lib/runJob.ts): the pruning
# policy's loss gate sees the losses at the same points, so it opens at the same step
READ_EVERY = 4
CHECKPOINT_VERSION = 1


class Trainer:
    def __init__(self, dataset: Dataset, config: Config, train_limit: Optional[int] = None,
                 test_limit: Optional[int] = None, device: str = "cpu") -> None:
        self.dataset, self.config, self.device = dataset, Config(config), device
        self.options = {"trainLimit": train_limit, "testLimit": test_limit}
        size = config["inputSize"]
        self.train = resize_split(limit_split(dataset.train, train_limit), dataset.size, size)
        self.test = resize_split(limit_split(dataset.test, test_limit), dataset.size, size)
        self.stats = channel_stats(self.train)
        # the pixels batches are gathered from: on a GPU, uploaded once
        self.train_pixels = on_device(self.train, device)
        self.test_pixels = on_device(self.test, device)
        self.sampler = EpochSampler(self.train.count, config["seed"] * 7919 + 1)
        self.augmentation_random = Random(config["seed"] * 104729 + 7)
        self.model = ResNet(ModelConfig(
            config["architecture"], config["mode"], config["widthMultiplier"], size,
            len(dataset.class_names), config["seed"],
            config["maxRank"] if config["mode"] == "lowrank" else 0)).to(device)
        self.optimiser = Optimiser(settings_for(config, learning_rate_at(config, 0.0)))
        self.policy = PruningPolicy(len(dataset.class_names))
        self.fading = Fading()
        self.step = 0
        self.pending_losses: List[float] = []
        self.epoch_prune_events: List[Dict[str, Any]] = []
        self.run: nn.Module = self.model
        self.wrap()

    def wrap(self) -> None:
        """(Re)builds the DDP wrapper: pruning changes parameter shapes, which DDP's buckets fix."""
        world = distributed.current()
        if not world.distributed:
            self.run = self.model
            return
        device_ids = [world.local_rank] if self.device == "cuda" else None
        # buffers (BN running statistics) are equal on every process already: no broadcast
        self.run = DistributedDataParallel(self.model, device_ids=device_ids,
                                           broadcast_buffers=False)

    @property
    def layers(self):
        return factorised_layers(self.model)

    @property
    def epoch(self) -> int:
        return self.sampler.epoch

    @property
    def steps_per_epoch(self) -> int:
        return self.sampler.steps_per_epoch(self.config["batchSize"])

    @property
    def progress(self) -> float:
        """Fraction of the run done: the clock of every schedule."""
        return (self.sampler.epoch + self.sampler.position / self.train.count) / self.config[
            "epochs"]

    @property
    def run_steps(self) -> int:
        return self.config["epochs"] * self.steps_per_epoch

    def train_step(self) -> Dict[str, Any]:
        """One step of the global batch; returns StepMetrics (plus endOfEpoch)."""
        config = self.config
        progress = self.progress
        learning_rate = learning_rate_at(config, progress)
        # once the window has closed the architecture is frozen: the rank term has nothing to do
        lambda_rank = 0.0 if self.policy.state["closed"] else lambda_rank_at(config, progress)
        self.optimiser.configure(settings_for(config, learning_rate))
        step_in_epoch = self.sampler.position // config["batchSize"] + 1
        started = time.perf_counter()
        indices, epoch, end_of_epoch = self.sampler.next(config["batchSize"])
        augmentation = (random_augmentation(len(indices), self.augmentation_random)
                        if config["augment"] else None)
        mine = distributed.shard(len(indices))
        mine_augmented = None if augmentation is None else augmentation[mine]
        images, labels = make_batch(self.train_pixels, indices[mine], self.stats, mine_augmented,
                                    self.device)
        self.model.train()
        settings = {"lambdaOrth": config["lambdaOrth"], "lambdaRank": lambda_rank,
                    "rankTerm": config["rankTerm"], "weightDecay": config["weightDecay"]}
        metrics, correct = train_step(self.model, self.run, self.optimiser, images, labels,
                                      len(indices), settings)
        self.fading.apply(self.layers, steps_of(config["pruneInterval"], self.run_steps))
        self.step += 1
        self.pending_losses.append(metrics["crossEntropy"])
        if step_in_epoch % READ_EVERY == 0 or end_of_epoch:
            for loss in self.pending_losses:
                self.policy.observe_loss(loss)
            self.pending_losses = []
        return {"step": self.step, "epoch": epoch, **metrics,
                "trainAccuracy": correct / len(indices),
                "learningRate": learning_rate, "lambdaRank": lambda_rank,
                "stepMs": 1000 * (time.perf_counter() - started), "endOfEpoch": end_of_epoch}

    def policy_model(self) -> Dict[str, Any]:
        shapes, fixed = accounting_inputs(self.model)
        values = [layer.s.detach().cpu().tolist() for layer in self.layers]
        return {"layers": [{"shape": shape, "singularValues": values[i]} for i,
                           shape in enumerate(shapes)],
                "fixed": fixed, "denseParams": account_model(shapes, fixed)["dense"]["params"],
                "classes": len(self.dataset.class_names)}

    def prune_if_due(self) -> List[Dict[str, Any]]:
        """Prunes when the policy says so; rank 0 plans, every process applies the same plan."""
        progress = self.progress
        if not self.policy.due(self.config, progress):
            return []
        plan = None
        if distributed.current().leader:
            model = self.policy_model()
            # a diverged network has no spectrum to cut by; the loop stops the run
            if all(np.isfinite(layer["singularValues"]).all() for layer in model["layers"]):
                plan = self.policy.plan(self.config, model, progress)
        plan, self.policy.state = distributed.broadcast((plan, self.policy.state))
        return self.apply_plan(plan) if plan else []

    def apply_plan(self, plan: Dict[str, Any]) -> List[Dict[str, Any]]:
        events = []
        for layer, keep in zip(self.layers, plan["keep"]):
            if len(keep) >= layer.rank:
                continue
            events.append(prune_layer(layer, keep, self.optimiser))
            if self.config["reorthonormalise"]:
                reorthonormalise(layer, self.optimiser)
        self.fading.set(self.layers, plan["fade"])
        if events:
            self.wrap()
        self.epoch_prune_events += events
        return events

    @torch.no_grad()
    def evaluate(self, split: Optional[Split] = None) -> Dict[str, float]:
        """Accuracy and mean cross-entropy on the test split (or on `split`, another split of the
        dataset's images, resized here), running BN statistics; each process takes a share of
        every batch."""
        data = self.test_pixels if split is None else resize_split(
            split, self.dataset.size, self.config["inputSize"])
        self.model.eval()
        totals = torch.zeros(2, dtype=torch.float64)
        for start in range(0, data.count, EVAL_BATCH):
            indices = np.arange(start, min(start + EVAL_BATCH, data.count))[distributed.shard(
                min(EVAL_BATCH, data.count - start))]
            if len(indices) == 0:
                continue
            images, labels = make_batch(data, indices, self.stats, None, self.device)
            logits = self.model(images)
            totals[0] += float((logits.argmax(dim=1) == labels).sum())
            totals[1] += float(torch.nn.functional.cross_entropy(logits, labels, reduction="sum"))
        self.model.train()
        hits, loss = distributed.sum_values(totals.to(self.device)).cpu().tolist()
        count = max(1, data.count)
        return {"accuracy": hits / count, "loss": loss / count, "count": data.count}

    def fading_counts(self) -> List[int]:
        fading = self.policy.state["fading"]
        return [len(fading[li]) if li < len(fading) else 0 for li in range(len(self.layers))]

    def layer_ranks(self) -> List[Dict[str, Any]]:
        """LayerRank of every factorised layer."""
        return [{"name": layer.name, "rank": layer.rank, "fullRank": layer.full_rank,
                 "breakEvenRank": layer.break_even_rank, "fading": fading}
                for layer, fading in zip(self.layers, self.fading_counts())]

    def spectra(self) -> List[List[float]]:
        """|s| of every factorised layer, sorted descending."""
        return [sorted((abs(v) for v in layer.s.detach().cpu().tolist()),
                       reverse=True) for layer in self.layers]

    def accounting(self) -> Dict[str, Any]:
        return account_model(*accounting_inputs(self.model))

    def dataset_identity(self) -> Dict[str, Any]:
        identity = {"name": self.dataset.name, "kind": self.dataset.kind,
                    "classNames": list(self.dataset.class_names),
                    "fingerprint": {"train": fingerprint(self.train),
                                    "test": fingerprint(self.test)}}
        if self.dataset.folder is not None:
            identity["folder"] = self.dataset.folder
        return identity

    def checkpoint(self) -> Dict[str, Any]:
        return {
            "version": CHECKPOINT_VERSION,
            "config": dict(self.config),
            "options": dict(self.options),
            "step": self.step,
            "cursor": self.sampler.save(),
            "augmentationState": self.augmentation_random.state,
            "variables": {n: t.detach().cpu().clone() for n,
                          t in tfjs_variables(self.model).items()},
            "optimiser": self.optimiser.snapshot(),
            "pruningPolicy": self.policy.snapshot(),
            "pendingLosses": list(self.pending_losses),
            "dataset": self.dataset_identity(),
        }

    @staticmethod
    def restore(dataset: Dataset, checkpoint: Dict[str, Any], device: str = "cpu") -> "Trainer":
        """A trainer in exactly the saved state: the run goes on as if never interrupted."""
        if checkpoint.get("version") != CHECKPOINT_VERSION:
            raise ValueError(f"unsupported checkpoint version {checkpoint.get('version')}")
        options = checkpoint["options"]
        trainer = Trainer(dataset, Config({**checkpoint["config"], "maxRank": 0}),
                          options["trainLimit"], options["testLimit"], device)
        saved, here = checkpoint["dataset"], trainer.dataset_identity()
        if saved["fingerprint"] != here["fingerprint"]:
            raise ValueError(f"this checkpoint was trained on {saved['name']} "
                             f"({saved['fingerprint']}), not on "
                             f"the loaded {here['name']} ({here['fingerprint']}) with these "
                             f"limits: give the "
                             "data it was trained on")
        trainer.config = Config(checkpoint["config"])
        load_tfjs_variables(trainer.model, {n: t.to(device) for n,
                                            t in checkpoint["variables"].items()})
        trainer.optimiser.restore(checkpoint["optimiser"], device)
        trainer.step = checkpoint["step"]
        trainer.sampler.restore(checkpoint["cursor"])
        trainer.augmentation_random.state = checkpoint["augmentationState"]
        trainer.policy.state = checkpoint["pruningPolicy"]
        trainer.pending_losses = list(checkpoint["pendingLosses"])
        trainer.fading.set(trainer.layers, trainer.policy.state["fading"])
        trainer.wrap()
        return trainer
