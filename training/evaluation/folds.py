"""The fold kinds every model is measured on, made the same way for every model from one table of rows.

A model hands in a `table` of columns (numpy arrays of equal length):
  label     1 = fake, 0 = real
  source    where the row comes from (a data set, a demo page, a face-swap repository)
  family    generator family of a fake ("" or "real" for reals); our own generated fakes carry their own
            families (e.g. Kokoro, Piper, espeak TTS renditions)
  group     the unit that never straddles a split (speaker / sentence / source photo / prompt)
  testable  bool: may be in a test fold (False for our own generated fakes: they train, never test)

Fold kinds (test rows are always testable rows; training never holds a row that shares a group with them):
  collection  the world-like kind, every model's headline: the test fold is one collection that has both
              classes (its reals and its fakes: a TTS demo page with its ground truth, a face-swap source
              with its inputs, a content-matched AI/human set); training holds neither that collection's
              source nor any fake of a family that is among the collection's fakes.
  source      leave-one-source-out over the same collections: only the collection's own source leaves
              training (other sources' fakes of the same families stay): how much seeing the family helps.
  family      leave-one-family-out: every testable fake of one family against a fixed reference share of
              the testable real groups (the same reals for every family); the family and the reference
              groups leave training.
  cloning     (a model adds it where its data has them, measure(extra_folds=...)) real references against
              clones of the same voices: the testable rows of the given sources whose group holds both a real
              and a fake; training holds none of those sources' rows nor any fake of the clones' families.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fakescope.training.evaluation.splits import group_holdout

KINDS = ("collection", "source", "family")
HEADLINE_KIND = "collection"
KIND_TEXT = {
    "collection": "one collection with both classes held out; training holds neither its source nor any fake "
                  "of its fakes' generator families (the world-like kind: the manifest's held-out AUC)",
    "source": "the same collections held out, only their own source leaves training (fakes of the same "
              "families from other sources stay)",
    "family": "every fake of one generator family vs a fixed reference share of the real groups; the family "
              "and the reference groups leave training",
    "cloning": "real references vs clones of the same voices (groups holding both) from the given sources; "
               "training holds none of those sources nor any fake of the clones' families",
}
MIN_PER_CLASS = 3          # a collection needs at least this many testable reals and fakes
REFERENCE_FRACTION = 0.25  # share of the real groups that are the family folds' reals


@dataclass(frozen=True)
class Fold:
    kind: str
    name: str
    train: np.ndarray        # row indices
    test: np.ndarray
    held_families: tuple     # fake families that left training


def _train_rows(table: dict, test: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Rows that may train: not `out`, not a test row, sharing no group with a test row."""
    groups = np.asarray(table["group"], dtype=object)
    touch = np.isin(groups, np.unique(groups[test]))
    return np.flatnonzero(~out & ~touch)


def collections(table: dict, min_per_class: int = MIN_PER_CLASS) -> list[str]:
    """Sources whose testable rows hold at least `min_per_class` of each class, in table order."""
    y, src, ok = np.asarray(table["label"]), np.asarray(table["source"], dtype=object), np.asarray(table["testable"], bool)
    out = []
    for s in dict.fromkeys(src[ok]):
        m = ok & (src == s)
        if min(int((y[m] == 1).sum()), int((y[m] == 0).sum())) >= min_per_class:
            out.append(s)
    return out


def collection_folds(table: dict, family_out: bool = True, min_per_class: int = MIN_PER_CLASS) -> list[Fold]:
    """One fold per collection (kind "collection"; with family_out=False the kind "source")."""
    y = np.asarray(table["label"])
    src, fam = np.asarray(table["source"], dtype=object), np.asarray(table["family"], dtype=object)
    ok = np.asarray(table["testable"], bool)
    folds = []
    for s in collections(table, min_per_class):
        test = ok & (src == s)
        fams = tuple(sorted(set(fam[test & (y == 1)]))) if family_out else ()
        out = (src == s) | ((y == 1) & np.isin(fam, fams))
        folds.append(Fold("collection" if family_out else "source", str(s), _train_rows(table, test, out),
                          np.flatnonzero(test), fams))
    return folds


def family_folds(table: dict, seed: int = 0, reference_fraction: float = REFERENCE_FRACTION) -> list[Fold]:
    """One fold per family with a testable fake: its fakes vs the reference reals (kind "family")."""
    y = np.asarray(table["label"])
    fam = np.asarray(table["family"], dtype=object)
    ok = np.asarray(table["testable"], bool)
    ref = ok & (y == 0) & group_holdout(np.asarray(table["group"], dtype=object), reference_fraction, seed)
    folds = []
    for f in sorted(set(fam[ok & (y == 1)])):
        fakes = ok & (y == 1) & (fam == f)
        test = fakes | ref
        out = ref | ((y == 1) & (fam == f))
        folds.append(Fold("family", str(f), _train_rows(table, test, out), np.flatnonzero(test), (f,)))
    return folds


def cloning_fold(table: dict, sources, name: str = "cloning") -> Fold | None:
    """One fold of kind "cloning": the testable rows of `sources` whose group holds both classes there (a real
    reference and its clones); None when there is no such group."""
    y = np.asarray(table["label"])
    src, fam = np.asarray(table["source"], dtype=object), np.asarray(table["family"], dtype=object)
    groups = np.asarray(table["group"], dtype=object)
    pages = np.isin(src, list(sources)) & np.asarray(table["testable"], bool)
    both = set(groups[pages & (y == 1)]) & set(groups[pages & (y == 0)])
    test = pages & np.isin(groups, list(both))
    if not test.any():
        return None
    fams = tuple(sorted(set(fam[test & (y == 1)])))
    out = np.isin(src, list(sources)) | ((y == 1) & np.isin(fam, fams))
    return Fold("cloning", name, _train_rows(table, test, out), np.flatnonzero(test), fams)


def all_folds(table: dict, seed: int = 0, min_per_class: int = MIN_PER_CLASS) -> list[Fold]:
    """Every fold of every kind, kinds in KINDS order."""
    return (collection_folds(table, True, min_per_class) + collection_folds(table, False, min_per_class)
            + family_folds(table, seed))
