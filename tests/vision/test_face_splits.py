"""The v2 face evaluation splits on the real manifest: reference groups and held-out folds never leak."""
from __future__ import annotations

import numpy as np
import pytest

from fakescope.training.config import load_config
from fakescope.training.evaluation.splits import group_holdout
from fakescope.training.face.data import FACE_SOURCES_V2, SWAP_SOURCES, family_of, image_rows
from fakescope.training.face.studies.sources import fold_rows


@pytest.fixture(scope="module")
def rows_data(shared_dir):
    rows = image_rows(shared_dir / "datasets" / "images")
    return {"label": np.array([int(r["label"] == "fake") for r in rows]), "source": np.array([r["source"] for r in rows]),
            "group": np.array([r["group"] for r in rows]), "path": np.array([r["path"] for r in rows])}


def test_face_rows_cover_every_face_source_without_ciplab_duplicates(rows_data):
    assert set(FACE_SOURCES_V2) <= set(rows_data["source"])
    assert {family_of(s) for s in set(rows_data["source"]) - set(FACE_SOURCES_V2)} == {"general_set_faces"}
    assert not any("/crop__" in "/" + p.rsplit("/", 1)[-1] for p in rows_data["path"])
    assert {family_of(s) for s in SWAP_SOURCES} == {"face_swap"} and family_of("utkface") == "real"


def test_reference_groups_are_whole_groups_and_folds_never_train_on_held_rows(rows_data):
    cfg = load_config("face")
    ref = group_holdout(rows_data["group"], cfg["eval"]["reference_fraction"], cfg["split"]["seed"])
    assert 0.1 < ref.mean() < 0.3
    assert set(rows_data["group"][ref]).isdisjoint(set(rows_data["group"][~ref]))
    for s in FACE_SOURCES_V2:
        held = rows_data["source"] == s
        tr, te, topped = fold_rows(rows_data, ref, held)
        assert not held[tr].any() and not ref[tr].any()
        assert held[te].sum() == held.sum()
        assert len(np.unique(rows_data["label"][te])) == 2
        # a group never sits on both sides of a fold
        assert set(rows_data["group"][tr]).isdisjoint(set(rows_data["group"][te])), s
