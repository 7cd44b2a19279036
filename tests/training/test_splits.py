"""Splits never put a group or a fake generator on both sides (toy tables and the real audio manifest)."""
import numpy as np
import pytest

from fakescope.training.evaluation import splits


def toy():
    # g1 is read by fake systems A and B -> A, B, g1, g2 (B also reads g2) form one component
    rows = [("real", "corpus", "g1"), ("fake", "A", "g1"), ("fake", "B", "g1"), ("fake", "B", "g2"),
            ("real", "corpus", "g2"), ("real", "corpus", "g3"), ("fake", "C", "g3"), ("fake", "D", "g4"),
            ("real", "corpus", "g5"), ("fake", "E", "g5")]
    return {"label": np.array([r[0] for r in rows], dtype=object),
            "system": np.array([r[1] for r in rows], dtype=object),
            "group": np.array([r[2] for r in rows], dtype=object),
            "source": np.array(["s1"] * 5 + ["s2"] * 5, dtype=object)}


def test_components_join_groups_through_fake_systems_only():
    t = toy()
    c = splits.components(t["group"], t["system"], t["label"] == "fake")
    assert len(set(c[:5])) == 1            # g1, g2 joined through B
    assert c[5] == c[6] and c[5] != c[0]   # the shared real "corpus" system does not join everything
    assert len(set(c)) == 4


def test_assert_no_leakage_catches_group_and_system():
    t = toy()
    with pytest.raises(splits.LeakageError, match="group"):
        splits.assert_no_leakage(t, [0], [1])
    t2 = dict(t, group=np.array([f"u{i}" for i in range(10)], dtype=object))
    with pytest.raises(splits.LeakageError, match="system"):
        splits.assert_no_leakage(t2, [2], [3])
    splits.assert_no_leakage(t, [0, 1, 2, 3, 4], [5, 6])


def test_holdout_split_drops_touching_rows():
    t = toy()
    tr, va, dropped = splits.holdout_split(t, "source", ["s2"])
    assert set(va) == {5, 6, 7, 8, 9}
    assert set(tr) == {0, 1, 2, 3, 4} and len(dropped) == 0
    splits.assert_no_leakage(t, tr, va)


def test_audio_manifest_split_has_no_leakage(shared_dir):
    t = splits.read_table(shared_dir / "datasets/audio/MANIFEST.csv")
    tr, va = splits.component_split(t, 0.3, seed=7)
    y = t["label"] == "fake"
    assert set(t["group"][tr]).isdisjoint(t["group"][va])
    assert set(t["system"][tr][y[tr]]).isdisjoint(t["system"][va][y[va]])
    assert 0.2 < len(va) / len(y) < 0.4 and y[va].sum() > 100 and (~y[va]).sum() > 100
    a, b = splits.halves(t, va, seed=1)
    assert set(t["group"][a]).isdisjoint(t["group"][b]) and len(a) + len(b) == len(va)
    for src in ("vocos_demo", "r9y9_demos"):
        tr2, va2, _ = splits.holdout_split(t, "source", [src])
        assert set(t["source"][va2]) == {src} and src not in set(t["source"][tr2])
