"""The fold kinds every model is measured on (training/evaluation/folds.py, measure.py), on a small table."""
import numpy as np
import pytest

from fakescope.training.evaluation import folds as F
from fakescope.training.evaluation.measure import Rows, card_sections, manifest_fields, measure


def table():
    # demo_a, demo_b: collections with both classes; lib: reals only; gen: our own generated fakes (train only)
    rows = ([("demo_a", 0, "real", f"a{i}") for i in range(4)] + [("demo_a", 1, "gan", f"a{i}") for i in range(4)]
            + [("demo_b", 0, "real", f"b{i}") for i in range(4)] + [("demo_b", 1, "flow", f"b{i}") for i in range(3)]
            + [("demo_b", 1, "gan", "b9")] + [("lib", 0, "real", f"l{i}") for i in range(8)]
            + [("demo_a", 1, "kokoro", f"a{i}") for i in range(2)] + [("lib", 1, "kokoro", f"l{i}") for i in range(4)])
    src, y, fam, grp = (np.array(c, dtype=object) for c in zip(*rows))
    testable = fam != "kokoro"
    return {"source": src, "label": y.astype(int), "family": fam, "group": grp, "testable": testable}


def test_collection_folds_hold_out_the_source_and_its_families():
    t = table()
    folds = {f.name: f for f in F.collection_folds(t)}
    assert set(folds) == {"demo_a", "demo_b"}  # lib has one class; generated rows are never tested
    b = folds["demo_b"]
    assert b.held_families == ("flow", "gan")
    assert set(t["source"][b.test]) == {"demo_b"} and t["testable"][b.test].all()
    train = b.train
    assert "demo_b" not in set(t["source"][train])
    assert not ({"flow", "gan"} & set(t["family"][train][t["label"][train] == 1]))   # no fake of its families
    assert not (set(t["group"][train]) & set(t["group"][b.test]))                     # no shared group
    assert "kokoro" in set(t["family"][train])                                          # generated fakes train


def test_source_kind_keeps_the_families_of_other_sources():
    t = table()
    b = {f.name: f for f in F.collection_folds(t, family_out=False)}["demo_b"]
    assert b.kind == "source" and b.held_families == ()
    assert "gan" in set(t["family"][b.train][t["label"][b.train] == 1])  # demo_a's GAN fakes stay


def test_family_folds_use_the_same_reference_reals_for_every_family():
    t = table()
    fams = F.family_folds(t, seed=1, reference_fraction=0.5)
    assert {f.name for f in fams} == {"gan", "flow"}  # kokoro is not testable
    reals = [set(f.test[t["label"][f.test] == 0]) for f in fams]
    assert reals[0] == reals[1] and reals[0]
    for f in fams:
        assert f.name not in set(t["family"][f.train])


def test_measure_summarises_every_kind_and_names_the_headline():
    t = table()
    score = t["label"] + 0.1 * np.arange(len(t["label"])) / len(t["label"])  # a perfect ranking

    res = measure(Rows(t, lambda tr, te, held: score[te]), seed=0, reps=50, log=lambda *_: None)
    assert set(res["kinds"]) == set(F.KINDS)
    head = res["headline"]
    assert head["kind"] == "collection" and head["n_folds"] == 2 and head["mean"] == pytest.approx(1.0)
    assert head["mean_low"] <= head["mean"] <= head["mean_high"]
    assert manifest_fields(res) == {"heldout_auc": head["mean"], "heldout_worst_auc": head["worst"],
                                    "heldout_kind": "collection"}
    titles = [s[0] for s in card_sections(res)]
    assert titles[0].startswith("Fold kinds") and "| collection | demo_b |" in card_sections(res)[1][1]
