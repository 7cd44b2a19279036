"""This model's own held-out folds (a study beside the framework's fold kinds; they came before them and keep
the v1 comparison and the card's per-source figures). Every fold holds out whole sources (or a whole generator
family), validates on exactly those rows and trains on the rest minus any row that shares a `group`
with validation; every fold has both classes.

How the folds are made (one rule per kind of source):
  source   a source with both classes (kurlyto_aiornot: photos + paintings vs GAN scenes + SD paintings)
           is held out on its own.
  pair     a fake-only source F (one generator, e.g. flux) cannot be scored alone, so it is held out
           together with a real-only source R (camera photos): validation = F's fakes vs R's reals, and
           neither F nor R is in training. Every (F, R) pair is a fold, so every single-class source is
           held out in several folds (its row in the per-source table is the mean of those folds).
  reals_out  a stricter pair: a fake-only source vs EVERY real-only source at once, so training keeps no
           camera photo at all (its reals are then only the mixed source's photos and paintings); it shows
           how much of a pair fold rests on having seen camera photos of the same era.
  family   leave-one-generator-family-out: every fake of one family (across sources, by `system`) plus
           the reals of one real-only source; the family's sources leave training entirely.
The manifest's held-out figures are the framework's collection folds (training/evaluation/folds.py); these
folds are reported beside them (studies/own_folds.py).

`source_out` gives the one out-of-source score per row that calibration is fitted on: each source is
held out on its own (all others train), so every row is scored exactly once by a model that never saw
its source."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from fakescope.training.aigen.data import family
from fakescope.training.evaluation.splits import assert_no_leakage


@dataclass(frozen=True)
class Fold:
    name: str
    kind: str                  # "source" | "pair" | "reals_out" | "family"
    held: tuple[str, ...]      # sources whose rows (all, or the family's fakes) are validation


def _val_mask(table: dict, fold: Fold) -> np.ndarray:
    src, y = table["source"], table["label"]
    if fold.kind == "family":
        fam, real_src = fold.name.split(" vs ")
        fams = np.array([family(s) if l == 1 else "" for s, l in zip(table["system"], y)])
        return ((fams == fam) & (y == 1) & np.isin(src, fold.held)) | ((src == real_src) & (y == 0))
    return np.isin(src, fold.held)


def fold_indices(table: dict, fold: Fold) -> tuple[np.ndarray, np.ndarray]:
    """(train_idx, val_idx). Training loses the held sources entirely and every row sharing a group with
    validation. Raises training.evaluation.splits.LeakageError if a group straddles the split."""
    val = _val_mask(table, fold)
    out = np.isin(table["source"], fold.held) | np.isin(table["group"], np.unique(table["group"][val]))
    tr, va = np.flatnonzero(~out), np.flatnonzero(val)
    assert_no_leakage(table, tr, va, system_key="system", fake_value=1)
    return tr, va


def _one_class(table: dict, evaluated: tuple) -> tuple[list, list, list]:
    both, fake_only, real_only = [], [], []
    for s in evaluated:
        labels = set(table["label"][table["source"] == s].tolist())
        (both if labels == {0, 1} else fake_only if labels == {1} else real_only if labels == {0} else []).append(s)
    return both, fake_only, real_only


def loso_folds(table: dict, evaluated) -> list[Fold]:
    """Leave-one-source-out folds over the `evaluated` sources (see the module docstring)."""
    evaluated = tuple(s for s in evaluated if (table["source"] == s).any())
    both, fake_only, real_only = _one_class(table, evaluated)
    folds = [Fold(s, "source", (s,)) for s in both]
    folds += [Fold(f"{f} vs {r}", "pair", (f, r)) for f in fake_only for r in real_only]
    return folds


def reals_out_folds(table: dict, evaluated) -> list[Fold]:
    """One fold per fake-only source: its fakes vs the reals of every real-only source together."""
    evaluated = tuple(s for s in evaluated if (table["source"] == s).any())
    _, fake_only, real_only = _one_class(table, evaluated)
    return [Fold(f"{f} vs all camera sources", "reals_out", (f,) + tuple(real_only)) for f in fake_only]


def family_folds(table: dict, evaluated) -> list[Fold]:
    """One fold per (generator family, real-only source): the family's fakes from every evaluated
    source vs that source's reals. The held sources are every source that has a fake of the family, so
    the family never reaches training (a mixed source such as kurlyto leaves training whole)."""
    evaluated = tuple(s for s in evaluated if (table["source"] == s).any())
    _, _, real_only = _one_class(table, evaluated)
    ev = np.isin(table["source"], evaluated) & (table["label"] == 1)
    fams = {}
    for s, sy in zip(table["source"][ev], table["system"][ev]):
        fams.setdefault(family(sy), set()).add(s)
    return [Fold(f"{fam} vs {r}", "family", tuple(sorted(srcs)) + (r,))
            for fam, srcs in sorted(fams.items()) for r in real_only]


def source_out(table: dict) -> list[Fold]:
    """Each source alone (single-class folds allowed): the out-of-source score of every row."""
    return [Fold(s, "source", (s,)) for s in dict.fromkeys(table["source"])]
