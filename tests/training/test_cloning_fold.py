"""The cloning fold kind (training/evaluation/folds.cloning_fold) and measure()'s extra folds / kinds."""
import numpy as np

from fakescope.training.evaluation import folds as F
from fakescope.training.evaluation.measure import Rows, card_sections, measure


def table():
    # page_a: references r0, r1 with their clones (same group) + an unpaired real; page_b: clones only of r2
    rows = ([("page_a", 0, "real", "r0"), ("page_a", 1, "codec-lm", "r0"), ("page_a", 1, "codec-lm", "r0"),
             ("page_a", 0, "real", "r1"), ("page_a", 1, "codec-lm", "r1"), ("page_a", 0, "real", "x")]
            + [("page_b", 1, "flow", "r2"), ("page_b", 0, "real", "r3")]
            + [("old", 0, "real", f"o{i}") for i in range(6)] + [("old", 1, "codec-lm", f"o{i}") for i in range(3)]
            + [("old", 1, "gan", f"o{i}") for i in range(3)] + [("old", 1, "kokoro", "r1")])
    src, y, fam, grp = (np.array(c, dtype=object) for c in zip(*rows))
    return {"source": src, "label": y.astype(int), "family": fam, "group": grp, "testable": fam != "kokoro"}


def test_cloning_fold_holds_references_with_their_clones_only():
    t = table()
    f = F.cloning_fold(t, {"page_a", "page_b"})
    assert f.kind == "cloning" and f.held_families == ("codec-lm",)
    assert set(t["group"][f.test]) == {"r0", "r1"}               # unpaired reals and clones stay out of the test
    assert not (set(t["source"][f.train]) & {"page_a", "page_b"})  # neither page trains
    train_fakes = set(t["family"][f.train][t["label"][f.train] == 1])
    assert "codec-lm" not in train_fakes and "gan" in train_fakes
    assert "r1" not in set(t["group"][f.train])                   # the generated rendition of r1 shares its group
    assert F.cloning_fold(t, {"old_nothing"}) is None


def test_measure_runs_extra_folds_and_a_subset_of_kinds():
    t = table()
    seen = []

    def fit_score(tr, te, held):
        seen.append(len(te))
        return np.where(np.asarray(t["label"])[te] == 1, 0.9, 0.1)

    res = measure(Rows(t, fit_score), reps=20, min_per_class=1, kinds=("collection",),
                  extra_folds=[F.cloning_fold(t, {"page_a", "page_b"})], log=lambda *_: None)
    assert list(res["kinds"]) == ["collection", "cloning"]
    assert res["kinds"]["cloning"]["mean"] == 1.0 and res["headline"]["kind"] == "collection"
    assert "real references vs clones" in card_sections(res)[0][1]
