"""Feature kinds of the speech recipe: "firstK" reads the encoder cut to K layers, composites put parts side
by side in the order the serving head input has (server.features.speech.window_vectors)."""
import numpy as np
import pytest

from fakescope.training.audio import features as F


class Columns:
    """Stands in for the cached feature arrays of an AudioData: every array is its kind's marker value."""

    def __init__(self, n=3):
        self.n, self.calls = n, []

    def arr(self, tag, width):
        self.calls.append(tag)
        return np.full((self.n, width), float(len(self.calls)))


@pytest.fixture
def columns(monkeypatch):
    data = Columns()
    monkeypatch.setattr(F, "embeddings", lambda d, k, seed: d.arr(("whisper", k), 4))
    monkeypatch.setattr(F, "cut_embeddings", lambda d, layers, k, seed: d.arr((f"first{layers}", k), 4))
    monkeypatch.setattr(F, "spectral", lambda d, k, seed: d.arr(("lfcc", k), 2))
    return data


def test_encoder_depth_of_a_kind():
    assert F.encoder_layers("first2") == 2 and F.encoder_layers("whisper") is None


def test_composites_keep_the_order_of_their_parts_per_variant(columns):
    data = columns
    out = F.features(data, "first1_first2_lfcc", variants=1, seed=0)
    assert len(out) == 2 and out[0].shape == (3, 10)
    assert data.calls == [("first1", 0), ("first1", 1), ("first2", 0), ("first2", 1), ("lfcc", 0), ("lfcc", 1)]
    assert list(out[1][0]) == [2.0] * 4 + [4.0] * 4 + [6.0] * 2   # variant 1 of each part, in order
    with pytest.raises(ValueError):
        F.features(data, "first2_frames", variants=0, seed=0)   # frames are sequences, not statistics
    with pytest.raises(ValueError):
        F.features(data, "first5", variants=0, seed=0)
