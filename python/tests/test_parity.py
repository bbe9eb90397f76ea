"""The twin computes what the TF.js code computes: loss terms, gradients, optimiser steps,
initialisation, accounting and pruning decisions, on the fixture of scripts/parity-fixture.ts."""

import numpy as np
import pytest
import torch

from fixture import batch, fixture, model_at, model_config, tensors
from lowrank_studio.accounting import account_model
from lowrank_studio.baselines import truncate_dense
from lowrank_studio.optimisers import Optimiser
from lowrank_studio.policy import PruningPolicy
from lowrank_studio.pruning import directions_to_keep, strongest_directions
from lowrank_studio.regularisers import RANK_TERMS, regularisation
from lowrank_studio.resnet import (ResNet, accounting_inputs, factorised_layers, tfjs_variables,
                                   trainable_params)
from lowrank_studio.step import train_step

TOLERANCE = 1e-4


def worst(ours, theirs, label):
    """Max abs difference over matching tensors, printed for the record."""
    differences = {}
    for name, expected in theirs.items():
        assert name in ours, f"{label}: the twin has no {name}"
        assert tuple(ours[name].shape) == tuple(expected.shape), f"{label}: {name} shape"
        differences[name] = float((ours[name].detach().float() - expected).abs().max())
    largest = max(differences.values())
    print(f"{label}: max abs difference {largest:.3g}")
    return largest


def gradients_of(loss, named):
    grads = torch.autograd.grad(loss, list(named.values()), allow_unused=True)
    return {n: (g if g is not None else torch.zeros_like(p)) for (n, p),
            g in zip(named.items(), grads)}


def test_cross_entropy_and_its_gradients():
    model = model_at()
    model.train()
    images, labels = batch()
    named = {n: p for n, p, _ in trainable_params(model, 0.0)}
    loss = torch.nn.functional.cross_entropy(model(images), labels)
    value = abs(float(loss) - fixture()["terms"]["crossEntropy"])
    print(f"crossEntropy value: abs difference {value:.3g}")
    assert value < TOLERANCE
    expected = tensors(fixture()["gradients"]["crossEntropy"])
    assert worst(gradients_of(loss, named), expected, "crossEntropy gradients") < TOLERANCE


def factor_variables(model):
    return {f"{layer.name}/{key}": getattr(layer, key)
            for layer in factorised_layers(model) for key in ("U", "s", "V")}


def test_orthogonality_term_and_its_gradients():
    model = model_at()
    orth, _ = regularisation(factorised_layers(model), 1.0, 0.0, "hoyer")
    value = abs(float(orth) - fixture()["terms"]["orth"])
    print(f"orth value: abs difference {value:.3g}")
    assert value < TOLERANCE
    grads = gradients_of(orth, factor_variables(model))
    assert worst(grads, tensors(fixture()["gradients"]["orth"]), "orth gradients") < TOLERANCE


@pytest.mark.parametrize("term", RANK_TERMS)
def test_rank_term_and_its_gradients(term):
    model = model_at()
    _, rank = regularisation(factorised_layers(model), 0.0, 1.0, term)
    value = abs(float(rank) - fixture()["terms"]["rank"][term])
    print(f"rank ({term}) value: abs difference {value:.3g}")
    assert value < TOLERANCE
    grads = gradients_of(rank, factor_variables(model))
    expected = tensors(fixture()["gradients"]["rank"][term])
    assert worst(grads, expected, f"rank ({term}) gradients") < TOLERANCE


def test_eval_mode_uses_the_running_statistics():
    model = model_at()
    model.eval()
    images, _ = batch()
    expected = {"logits": tensors([fixture()["evalLogits"]])["evalLogits"]}
    with torch.no_grad():
        assert worst({"logits": model(images)}, expected, "eval logits") < TOLERANCE


def two_steps(optimiser):
    f = fixture()
    model = model_at()
    model.train()
    images, labels = batch()
    settings = {"lambdaOrth": f["loss"]["lambdaOrth"], "lambdaRank": f["loss"]["lambdaRank"],
                "rankTerm": f["loss"]["rankTerm"], "weightDecay": f["weightDecay"]}
    for _ in range(2):
        train_step(model, model, optimiser, images, labels, len(labels), settings)
    return {n: t for n, t in tfjs_variables(model).items()}


def test_two_sgd_steps_from_sliced_momentum():
    f = fixture()
    optimiser = Optimiser(f["sgd"])
    optimiser.restore({"settings": f["sgd"], "stepCount": 4,
                       "slots": [{"variable": n, "slot": "momentum", "values": t}
                                 for n, t in tensors(f["momentum"]).items()]})
    assert worst(two_steps(optimiser), tensors(f["sgdAfter"]), "two SGD steps") < TOLERANCE


def test_two_adam_steps():
    f = fixture()
    assert worst(two_steps(Optimiser(f["adam"])), tensors(f["adamAfter"]),
                 "two Adam steps") < TOLERANCE


def test_initialisation_is_he_normal_then_svd():
    f = fixture()
    model = ResNet(model_config())
    initial = tensors(f["initial"])
    ours = tfjs_variables(model)
    plain = {n: t for n, t in initial.items() if n.endswith("/kernel")}
    assert worst(ours, plain, "initial plain kernels") < 1e-6
    spectra = {n: t for n, t in initial.items() if n.endswith("/s")}
    assert worst(ours, spectra, "initial singular values") < 1e-5
    for layer in factorised_layers(model):
        expected = (initial[f"{layer.name}/U"] * initial[f"{layer.name}/s"]) @ initial[
            f"{layer.name}/V"].t()
        assert float((layer.composed_matrix() - expected).abs().max()) < 1e-5, layer.name


def test_accounting_matches_for_several_nets():
    for entry in fixture()["accounting"]:
        c = entry["config"]
        model = ResNet(model_config({**c}))
        shapes, fixed = accounting_inputs(model)
        assert fixed == entry["fixed"], c
        ours = account_model(shapes, fixed)
        theirs = entry["accounting"]
        for key in ("dense", "factorised", "deployable"):
            assert ours[key] == theirs[key], (c["architecture"], key)
        for a, b in zip(ours["layers"], theirs["layers"]):
            assert a["breakEvenRank"] == pytest.approx(b.pop("breakEvenRank"), rel=1e-12)
            assert {k: v for k, v in a.items() if k != "breakEvenRank"} == b


def test_threshold_rules_keep_the_same_directions():
    for layer in fixture()["spectra"]:
        s = layer["s"]
        assert directions_to_keep(s, {"kind": "relative", "threshold": 0.3}, 1) == layer["relative"]
        assert directions_to_keep(s, {"kind": "energy", "epsilon": 0.05}, 2) == layer["energy"]
        assert strongest_directions(s, 2) == layer["strongest2"]


@pytest.mark.parametrize("index", range(5))
def test_policy_takes_the_same_decisions(index):
    script = fixture()["policies"][index]
    settings = script["settings"]
    policy = PruningPolicy(script["classes"])
    for step, op in enumerate(script["ops"]):
        kind = op["op"]
        if kind == "observe":
            for _ in range(op["times"]):
                policy.observe_loss(op["loss"])
        elif kind == "due":
            assert policy.due(settings, op["progress"]) == op["result"], step
        elif kind == "plan":
            plan = policy.plan(settings, op["model"], op["progress"])
            assert plan == {"keep": op["keep"], "fade": op["fade"]}, step
        elif kind == "enforceTarget":
            lowered = {**settings, "targetParamsKept": max(10, settings["targetParamsKept"] - 20)}
            plan = policy.enforce_target(lowered, op["model"])
            assert (plan and {"keep": plan["keep"]}) == op["plan"], step
        elif kind == "manual":
            assert policy.manual(settings, op["model"]) == {"keep": op["keep"],
                                                            "fade": op["fade"]}, step
        for key, value in op["state"].items():
            ours = policy.state[key]
            if isinstance(value, float):
                assert ours == pytest.approx(value, abs=1e-12), (step, key)
            else:
                assert ours == value, (step, key)


def test_fixture_ranks_are_the_pruned_ones():
    model = model_at()
    ranks = [{"name": layer.name, "rank": layer.rank} for layer in factorised_layers(model)]
    assert ranks == fixture()["ranks"]
    assert np.isfinite(sum(float(p.sum()) for p in model.parameters()))


def test_post_hoc_truncation_keeps_the_same_directions():
    """The post-hoc baseline's cut (src/train/postHoc.ts and baselines.truncate_dense): the same
    singular values and the same U diag(s) V^T for every layer, every other variable as it was."""
    case = fixture()["postHoc"]
    model = ResNet(model_config())
    ranks = {entry["name"]: entry["rank"] for entry in case["ranks"]}
    layers = factorised_layers(model)
    assert sorted(ranks) == sorted(layer.name for layer in layers)
    truncate_dense(model, tensors(case["dense"]), [ranks[layer.name] for layer in layers])
    expected = tensors(case["truncated"])
    for layer in layers:
        s = expected[f"{layer.name}/s"]
        assert tuple(layer.s.shape) == tuple(s.shape), layer.name
        assert float((layer.s.detach() - s).abs().max()) < 1e-5, layer.name
        product = (expected[f"{layer.name}/U"] * s) @ expected[f"{layer.name}/V"].t()
        assert float((layer.composed_matrix() - product).abs().max()) < 1e-5, layer.name
    others = {name: t for name, t in expected.items() if not name.endswith(("/U", "/s", "/V"))}
    assert worst(tfjs_variables(model), others, "post-hoc, other variables") == 0
