"""The loss gate, the window's state and the cut's break-even rule (pruningPolicy.test.ts); the
parity fixture holds both policies to the same decisions on a scripted run."""

from lowrank_studio.policy import GATE_WARMUP, PruningPolicy, cut_by_rule, cut_to_budget, \
    deployable_params

SETTINGS = {"mode": "lowrank", "pruning": True, "schedule": "cosine", "pruneStart": 0.1,
            "pruneEnd": 0.5, "pruneInterval": 0.05, "pruneLossDrop": 0.1, "pruneCap": 0.25,
            "minRank": 1, "pruneClassifier": True, "pruneRule": "relative",
            "pruneThreshold": 0.5, "energyEpsilon": 0.01, "targetParamsKept": 0,
            "fadeBeforeCut": True, "epochs": 10}


def conv(in_channels, out_channels):
    return {"kind": "conv", "name": "c", "kernelSize": 3, "inChannels": in_channels,
            "outChannels": out_channels, "rank": min(9 * in_channels, out_channels),
            "outHeight": 8, "outWidth": 8, "hasBias": False}


def model(values_a=None):
    shapes = [conv(16, 16), conv(16, 32)]
    layers = [{"shape": shape, "singularValues": [0.8 ** i for i in range(shape["rank"])]}
              for shape in shapes]
    if values_a:
        layers[0]["singularValues"] = values_a
    return {"layers": layers, "fixed": {"params": 500, "macs": 0},
            "denseParams": 500 + 9 * 16 * 16 + 9 * 16 * 32, "classes": 10}


def test_the_gate_waits_at_chance_and_for_the_warm_up():
    policy = PruningPolicy(10)
    for _ in range(2000):
        policy.observe_loss(2.2)  # within 10% of ln 10 = 2.30
    assert not policy.due(SETTINGS, 0.2)
    assert policy.window(SETTINGS, 0.2) == "waiting"
    assert policy.window(SETTINGS, 0.51) == "missed"
    fresh = PruningPolicy(10)
    for _ in range(GATE_WARMUP - 1):
        fresh.observe_loss(1.0)
    assert not fresh.due(SETTINGS, 0.2)
    fresh.observe_loss(1.0)
    assert fresh.due(SETTINGS, 0.2) and fresh.window(SETTINGS, 0.2) == "open"
    assert PruningPolicy(10).due({**SETTINGS, "pruneLossDrop": 0}, 0.2)


def test_a_rule_cut_that_saves_nothing_is_not_made():
    m = model([1.0] * 15 + [0.01])
    keep = cut_by_rule(m, {"kind": "relative", "threshold": 0.5}, [1, 1], [16, 32])
    assert [len(k) for k in keep] == [16, 4]


def test_the_budget_cut_leaves_no_cut_layer_above_its_break_even():
    m = model()
    budget = 0.8 * m["denseParams"]
    ranks = [len(k) for k in cut_to_budget(m, budget, [1, 1], [16, 32])]
    assert deployable_params(m, ranks) <= budget
    for li, layer in enumerate(m["layers"]):
        if ranks[li] < layer["shape"]["rank"]:
            whole = [layer["shape"]["rank"] if i == li else r for i, r in enumerate(ranks)]
            assert deployable_params(m, whole) > deployable_params(m, ranks)
