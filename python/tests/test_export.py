"""The exported LayersModel is what src/model/export.ts writes for the same network."""

import numpy as np

from fixture import fixture, model_at, unpack
from lowrank_studio.export import export_layers_model


def test_model_json_and_weights_match_the_typescript_export():
    exported = fixture()["exported"]
    model_json, data, forms = export_layers_model(model_at(), exported["stats"], "test")
    theirs = exported["modelJson"]
    assert model_json["modelTopology"] == theirs["modelTopology"]
    assert model_json["weightsManifest"] == theirs["weightsManifest"]
    assert forms == exported["forms"]
    ours = np.frombuffer(data, dtype="<f4")
    expected = unpack(exported["weights"])
    assert ours.shape == expected.shape
    difference = float(np.abs(ours - expected).max())
    print(f"exported weights: max abs difference {difference:.3g}")
    assert difference < 1e-5
