"""Folds of the AI-image evaluation: built on the real manifest, every fold has both classes, held-out
sources never reach training, and no group straddles the split."""
from __future__ import annotations

import numpy as np
import pytest
from fakescope.training.aigen.data import GENERAL_SOURCES, load_table
from fakescope.training.aigen.studies.folds import (
    family,
    family_folds,
    fold_indices,
    loso_folds,
    reals_out_folds,
    source_out,
)
from fakescope.training.evaluation.splits import LeakageError, assert_no_leakage


@pytest.fixture(scope="module")
def table(shared_dir):
    return load_table(shared_dir / "datasets" / "images", GENERAL_SOURCES)


def test_every_fold_has_both_classes_and_no_group_straddles(table):
    folds = loso_folds(table, GENERAL_SOURCES) + family_folds(table, GENERAL_SOURCES) + \
        reals_out_folds(table, GENERAL_SOURCES)
    assert len(folds) > 20
    for f in folds:
        tr, va = fold_indices(table, f)
        y = table["label"]
        assert set(y[va].tolist()) == {0, 1}, f.name
        assert set(y[tr].tolist()) == {0, 1}, f.name
        assert not set(table["group"][tr]) & set(table["group"][va]), f.name
        assert not np.isin(table["source"][tr], f.held).any(), f.name  # held sources leave training whole


def test_every_general_source_is_held_out_by_some_source_fold(table):
    folds = loso_folds(table, GENERAL_SOURCES)
    held = {s for f in folds for s in f.held}
    assert held == set(GENERAL_SOURCES)
    kinds = {f.kind for f in folds}
    assert kinds == {"source", "pair"}
    # one fold per mixed source + one per (fake-only, real-only) pair
    n_fake_only = sum(set(table["label"][table["source"] == s].tolist()) == {1} for s in GENERAL_SOURCES)
    n_real_only = sum(set(table["label"][table["source"] == s].tolist()) == {0} for s in GENERAL_SOURCES)
    assert len(folds) == 1 + n_fake_only * n_real_only


def test_family_fold_holds_out_the_family_everywhere(table):
    for f in family_folds(table, GENERAL_SOURCES):
        fam = f.name.split(" vs ")[0]
        tr, va = fold_indices(table, f)
        fakes_tr = table["system"][tr][table["label"][tr] == 1]
        assert fam not in {family(s) for s in fakes_tr}, f.name
        assert {family(s) for s in table["system"][va][table["label"][va] == 1]} == {fam}


def test_source_out_scores_every_row_once(table):
    seen = np.zeros(len(table["label"]), int)
    for f in source_out(table):
        _, va = fold_indices(table, f)
        seen[va] += 1
    assert (seen == 1).all()


def test_a_group_shared_across_sources_is_dropped_from_training():
    t = {"source": np.array(["a", "a", "b", "b", "c", "c"]), "label": np.array([1, 0, 1, 0, 1, 0]),
         "group": np.array(["g1", "g2", "g1", "g3", "g4", "g5"]), "system": np.array(["x", "r", "y", "r", "z", "r"])}
    from fakescope.training.aigen.studies.folds import Fold

    tr, va = fold_indices(t, Fold("a", "source", ("a",)))
    assert list(va) == [0, 1] and 2 not in tr and list(tr) == [3, 4, 5]
    with pytest.raises(LeakageError):
        assert_no_leakage(t, np.array([2, 3]), np.array([0, 1]), system_key="system", fake_value=1)


def test_every_fake_system_has_a_family(table):
    fams = {family(s) for s, y in zip(table["system"], table["label"]) if y == 1}
    assert {"gan", "multimodal_llm", "stable_diffusion", "dit_flow", "other_diffusion"} == fams
    assert family("SDXL 1.0") == "stable_diffusion" and family("FLUX.1 [dev]") == "dit_flow"
    with pytest.raises(ValueError):
        family("photo (Canon)")


def test_reals_out_folds_leave_no_camera_photo_in_training(table):
    folds = reals_out_folds(table, GENERAL_SOURCES)
    assert len(folds) == 9
    for f in folds:
        tr, _ = fold_indices(table, f)
        assert not np.isin(table["source"][tr], ["metadata_extractor", "exif_samples"]).any()
