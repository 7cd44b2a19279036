"""The face-layers probe's pure parts: feature sets built from cached layer arrays, and the confusion table."""
import numpy as np

from fakescope.server.encoders.clip import LAYERS, MIDDLE_LAYER, TOKEN_DIM
from fakescope.server.features.face import FEATURE_DIM


def _probe():
    """experiments/face_layers_probe.py: a study outside the installed package, loaded from its file."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "experiments" / "face_layers_probe.py"
    spec = importlib.util.spec_from_file_location("face_layers_probe", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


P = _probe()


def test_feature_sets_are_unit_parts_of_the_right_width():
    rng = np.random.default_rng(0)
    shipped, layers = rng.normal(size=(5, 1280)), rng.normal(size=(5, LAYERS, 2 * TOKEN_DIM)) * 40
    sets = P.feature_sets(shipped, layers)
    assert sets["layer 6 alone"].shape == (5, 2 * TOKEN_DIM)
    # CLS and patch-mean halves are normalised separately (the residual stream's scale varies by layer)
    assert np.allclose(np.linalg.norm(sets["layer 6 alone"][:, :TOKEN_DIM], axis=1), 1)
    assert np.allclose(np.linalg.norm(sets["layer 6 alone"][:, TOKEN_DIM:], axis=1), 1)
    assert sets["face-2.0 + layers 4, 6, 8"].shape == (5, 1280 + 3 * 2 * TOKEN_DIM)
    assert np.array_equal(sets["face-2.0 + layer 8"][:, :1280], shipped)
    # the probe's winner is what the face model now serves: same blocks, same order, same width
    assert sets["face-2.0 + layer 6 (face-2.1)"].shape == (5, FEATURE_DIM) and MIDDLE_LAYER == 6
    assert len([k for k in sets if k.endswith("alone")]) == LAYERS


def test_confusions_rank_held_reals_against_each_fake_source():
    data = {"source": np.array(["held"] * 4 + ["a"] * 3 + ["b"] * 3 + ["c"] * 2),
            "label": np.array([0] * 4 + [1] * 8)}
    te = np.arange(12)
    held = data["source"] == "held"
    p = np.array([0.1, 0.2, 0.3, 0.4, 0.9, 0.8, 0.7, 0.0, 0.05, 0.35, 0.5, 0.6])
    out = P.confusions(data, te, p, held)
    assert set(out) == {"a", "b"}                    # c has fewer than 3 fakes
    assert out["a"]["auc"] == 1.0 and out["a"]["fakes"] == 3
    assert out["b"]["auc"] == 3 / 12                 # only 0.35 beats three of the held reals
