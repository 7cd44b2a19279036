"""Copy-synthesis fakes (training/tts/copysynth.py): the source-balanced choice of reals, the re-synthesis keeps
length, level and the 16-bit grid but changes the signal, the fakes take their method's dataset family, and a
candidate trains only on the copy-synthesis fakes it names."""
from types import SimpleNamespace

import numpy as np
import pytest

from fakescope.training.audio.heads import candidates
from fakescope.training.audio.data import family_of
from fakescope.training.tts import copysynth


def table_of(sources, groups, labels):
    n = len(sources)
    return {"source": np.array(sources, dtype=object), "group": np.array(groups, dtype=object),
            "label": np.array(labels, dtype=object), "language": np.array(["en"] * n, dtype=object),
            "sha256": np.array([f"{i:064x}" for i in range(n)], dtype=object)}


def test_reals_are_spread_over_sources_and_groups_first():
    # source a: 6 reals in one group + 2 in others; source b: 2 reals; fakes never chosen
    t = table_of(["a"] * 8 + ["b"] * 2 + ["c"] * 3, ["g1"] * 6 + ["g2", "g3", "h1", "h2", "k", "k", "k"],
                 ["real"] * 10 + ["fake"] * 3)
    rows = copysynth.select_reals(t, 5)
    assert len(rows) == 5 and all(t["label"][i] == "real" for i in rows)
    assert list(t["source"][rows]).count("b") == 2                       # round robin: b's both reals
    assert {t["group"][i] for i in rows if t["source"][i] == "a"} == {"g1", "g2", "g3"}   # distinct groups first
    assert list(rows) == list(copysynth.select_reals(t, 5))              # deterministic
    assert len(copysynth.select_reals(t, 100)) == 10


@pytest.mark.parametrize("method", copysynth.METHODS)
def test_resynthesis_keeps_length_and_level_but_changes_the_signal(method):
    pytest.importorskip("pyworld" if method == "world" else "librosa")
    rng = np.random.default_rng(0)
    t = np.arange(int(5 * copysynth.RATE)) / copysynth.RATE
    f0 = 140 + 20 * np.sin(2 * np.pi * 0.5 * t)
    x = (0.4 * np.sin(2 * np.pi * np.cumsum(f0) / copysynth.RATE) + 0.01 * rng.normal(size=len(t))).astype(np.float32)
    y = copysynth.resynthesise(x, method)
    assert len(y) == int(copysynth.CLIP_S * copysynth.RATE) and y.dtype == np.float32
    assert abs(np.abs(y).max() - np.abs(x[: len(y)]).max()) < 1e-3
    assert np.allclose(y * 32767, np.round(y * 32767), atol=1e-3)
    assert not np.allclose(y, x[: len(y)], atol=1e-2)
    assert np.array_equal(y, copysynth.resynthesise(x, method))          # deterministic


def test_copysynth_fakes_take_their_method_s_dataset_family():
    assert family_of("copy-synthesis: world") == family_of("WORLD vocoder")
    assert family_of("copy-synthesis: griffinlim") == "griffin-lim"


def test_a_candidate_trains_only_on_the_copy_synthesis_it_names():
    systems = np.array(["real", "tts", "copy-synthesis: world", "copy-synthesis: griffinlim"], dtype=object)
    data = SimpleNamespace(table={"system": systems}, copysynth=np.array([False, False, True, True]))
    assert list(candidates.copysynth_rows(data, {})) == [True, True, False, False]
    assert list(candidates.copysynth_rows(data, {"copysynth": ["world"]})) == [True, True, True, False]
    assert list(candidates.copysynth_rows(data, {"copysynth": ["world", "griffinlim"]})) == [True] * 4
