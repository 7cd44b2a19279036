"""One way to measure every model: the fold kinds of training.evaluation.folds, a head fitted per fold through
the function the model hands in, AUC with bootstrap intervals per fold and per kind, and the card section,
README row text and manifest fields made from them. A model declares its rows and how to fit and score;
nothing here knows which model it measures.

    rows = Rows(table, fit_score)         # table: label, source, family, group, testable (see folds.py)
    res = measure(rows, seed)             # {"folds": [...], "kinds": {kind: summary}, "headline": {...}}
    sections = card_sections(res)         # the same fold-kind table on every card
    publish_manifest_entry(..., **manifest_fields(res))
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from fakescope.training.evaluation import metrics
from fakescope.training.evaluation.folds import HEADLINE_KIND, KIND_TEXT, KINDS, MIN_PER_CLASS, all_folds
from fakescope.training.evaluation.publish import md_table, num

BOOTSTRAP_REPS = 1000


@dataclass(frozen=True)
class Rows:
    """What a model hands in: its table and fit_score(train_idx, test_idx, held_families) -> the probability
    of fake of every test row, from a head fitted on the train rows exactly as the shipped head is fitted
    (held_families: the fake families that left training, e.g. to leave out video frames of a family)."""
    table: dict
    fit_score: Callable[[np.ndarray, np.ndarray, tuple], np.ndarray]


def measure(rows: Rows, seed: int = 0, reps: int = BOOTSTRAP_REPS, log=print, min_per_class: int = MIN_PER_CLASS,
            keep_scores: dict | None = None, extra_folds=(), kinds=KINDS) -> dict:
    """Every fold of every kind (min_per_class: the fewest testable reals and fakes a collection needs; 1 for
    the tiny sets of smoke runs). `keep_scores`, when given a dict, receives {(kind, fold): (test rows, scores)}
    — the out-of-fold scores that verdict bands are placed on (out_of_fold below). `extra_folds`: folds of a
    kind a model adds (e.g. "cloning", folds.cloning_fold), measured and summarised after the shared kinds;
    `kinds`: which shared kinds to run (all by default; the headline kind always)."""
    y = np.asarray(rows.table["label"]).astype(int)
    out, replicates = [], {}
    kinds = tuple(dict.fromkeys((HEADLINE_KIND, *kinds)))
    for f in [f for f in all_folds(rows.table, seed, min_per_class) if f.kind in kinds] + list(extra_folds):
        if len(set(y[f.train])) < 2:
            log(f"  {f.kind} fold {f.name}: skipped (training would hold one class)")
            continue
        p = np.asarray(rows.fit_score(f.train, f.test, f.held_families), np.float64)
        yt = y[f.test]
        r = metrics.auc_replicates(yt, p, reps, seed)
        lo, hi = metrics.interval(r)
        out.append({"kind": f.kind, "fold": f.name, "n_fake": int(yt.sum()), "n_real": int((1 - yt).sum()),
                    "n_train": int(len(f.train)), "held_families": list(f.held_families),
                    "auc": metrics.roc_auc(yt, p), "auc_low": lo, "auc_high": hi})
        replicates[(f.kind, f.name)] = r
        if keep_scores is not None:
            keep_scores[(f.kind, f.name)] = (np.asarray(f.test), p)
        log(f"  {f.kind} fold {f.name}: AUC {out[-1]['auc']:.3f} [{lo:.3f}, {hi:.3f}] "
            f"({out[-1]['n_fake']} fake / {out[-1]['n_real']} real, train {len(f.train)})")
    kinds = {k: summarise([r for r in out if r["kind"] == k], replicates)
             for k in dict.fromkeys((*[k for k in KINDS if k in kinds], *(f.kind for f in extra_folds)))}
    return {"folds": out, "kinds": kinds, "headline": {"kind": HEADLINE_KIND, **kinds[HEADLINE_KIND]}}


def out_of_fold(kept: dict, kind: str = HEADLINE_KIND) -> tuple[np.ndarray, np.ndarray]:
    """(rows, scores) of every fold of one kind, concatenated: each row scored by a head that never saw its
    collection (collection folds do not overlap, so each row appears once)."""
    parts = [v for (k, _), v in kept.items() if k == kind]
    if not parts:
        return np.zeros(0, int), np.zeros(0)
    return np.concatenate([t for t, _ in parts]), np.concatenate([p for _, p in parts])


def summarise(rows: list[dict], replicates: dict) -> dict:
    """Mean and worst fold AUC of one kind, with the bootstrap interval of the mean (the folds' replicates
    averaged replicate by replicate)."""
    if not rows:
        return {"mean": None, "worst": None, "worst_fold": None, "n_folds": 0, "mean_low": None, "mean_high": None}
    aucs = np.array([r["auc"] for r in rows])
    worst = rows[int(np.argmin(aucs))]
    reps = [replicates[(r["kind"], r["fold"])] for r in rows]
    lo, hi = metrics.interval(np.mean(reps, axis=0)) if all(len(x) for x in reps) else (float("nan"),) * 2
    return {"mean": float(aucs.mean()), "worst": float(aucs.min()), "worst_fold": worst["fold"],
            "n_folds": len(rows), "mean_low": lo, "mean_high": hi}


def _interval(lo, hi) -> str:
    return "–" if lo is None or lo != lo else f"[{num(lo)}, {num(hi)}]"


def card_sections(res: dict) -> list[tuple[str, str]]:
    """The fold-kind table and every fold, the same on every card (training/evaluation/folds.py)."""
    kinds = res["kinds"]
    table = md_table(
        ["fold kind", "what is held out", "folds", "mean AUC", "95 % interval of the mean", "worst fold"],
        [[("**" + k + "** (headline)") if k == HEADLINE_KIND else k, KIND_TEXT.get(k, k), s["n_folds"], num(s["mean"]),
          _interval(s["mean_low"], s["mean_high"]),
          f"{num(s['worst'])} ({s['worst_fold']})" if s["worst_fold"] else "–"] for k, s in kinds.items()])
    folds = md_table(
        ["kind", "held-out fold", "fakes", "reals", "families out of training", "AUC", "95 % interval"],
        [[r["kind"], r["fold"], r["n_fake"], r["n_real"], ", ".join(r["held_families"]) or "–", num(r["auc"]),
          _interval(r["auc_low"], r["auc_high"])] for r in res["folds"]])
    note = ("Made by `training/evaluation/` the same way for every model from one table of rows (label, source, "
            "generator family, group; our own generated fakes only ever train); each fold refits the shipped "
            "head's recipe on its training rows. Intervals: percentile bootstrap, reals and fakes resampled "
            f"separately ({BOOTSTRAP_REPS} replicates; the mean's interval averages the folds replicate by "
            "replicate). The manifest's held-out AUC is the mean of the **collection** folds and its worst fold "
            "the worst of them.")
    return [("Fold kinds (the same for every model)", note + "\n\n" + table),
            ("Every fold of every kind", folds)]


def manifest_fields(res: dict) -> dict:
    """heldout_auc / heldout_worst_auc (the headline kind's mean / worst) and the kind's name."""
    h = res["headline"]
    return {"heldout_auc": h["mean"], "heldout_worst_auc": h["worst"], "heldout_kind": h["kind"]}


def measured_on(res: dict) -> str:
    """The README Models table's "measured on" cell."""
    h = res["headline"]
    return (f"mean of {h['n_folds']} {h['kind']} fold{'s' if h['n_folds'] != 1 else ''} (worst {num(h['worst'])}): "
            "a collection with both classes held out, no fake of its generator families in training")


def metrics_entry(res: dict) -> dict:
    """What the manifest's metrics keep of it: each kind's summary and each fold's AUC."""
    return {"fold_kinds": res["kinds"],
            "folds_by_kind": {k: {r["fold"]: round(r["auc"], 4) for r in res["folds"] if r["kind"] == k} for k in res["kinds"]}}


def publish_model(cfg: dict, res: dict, *, card: str, applies: str, looks_for: str, metrics_: dict, **entry) -> dict:
    """The manifest entry (publish.publish_manifest_entry with the headline kind's figures and every kind
    in its metrics) and the model's README row, the same for every model. `entry`: the remaining keyword
    arguments of publish_manifest_entry (input_spec, calibration, thresholds, data_manifest, fmt)."""
    from fakescope.training.config import repo_root
    from fakescope.training.evaluation import publish

    models = repo_root() / "models"
    written = publish.publish_manifest_entry(
        models, cfg["model_key"], model_file=cfg["model_file"], version=cfg["version"], card=f"cards/{card}",
        metrics_={**metrics_, **metrics_entry(res)}, **manifest_fields(res), **entry)
    role = publish.role_cell(written)
    publish.replace_readme_row(repo_root() / "README.md", cfg["model_key"], publish.readme_model_row(
        cfg["model_key"], cfg["version"], applies, looks_for, written["heldout_auc"], measured_on(res), role, card))
    return {"role": role, "heldout_auc": written["heldout_auc"], "heldout_worst_auc": written["heldout_worst_auc"],
            "heldout_kind": written["heldout_kind"]}
