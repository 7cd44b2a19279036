"""The shortcut check, the same for every model: a head fitted on file statistics alone (picture size,
format, JPEG quality; clip length, level, bandwidth ... whatever the model declares), refitted on the SAME
folds as the model through training.evaluation.measure. Where it ranks a fold about as well as the model, that
fold's figure may owe to format rather than manipulation; the card says which."""
from __future__ import annotations

import numpy as np

from fakescope.training.evaluation import measure as M
from fakescope.training.evaluation.publish import md_table, num

SUSPECT_AUC = 0.75    # a statistics-only head at or above this on a fold: the fold's figure is suspect
KINDS = ("collection", "source")


def statistics_head(stats: np.ndarray, y: np.ndarray):
    """fit_score(train, test, held) of a standardised logistic regression on the statistics alone."""
    from sklearn.linear_model import LogisticRegression

    def fit_score(tr, te, _held):
        x = np.nan_to_num(np.asarray(stats, np.float64))
        mu, sd = x[tr].mean(0), x[tr].std(0) + 1e-9
        clf = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced")
        clf.fit((x[tr] - mu) / sd, y[tr])
        return clf.predict_proba((x[te] - mu) / sd)[:, 1]
    return fit_score


def measure_statistics(table: dict, names: list[str], stats: np.ndarray, seed: int, log=print,
                       kinds=KINDS, min_per_class: int = M.MIN_PER_CLASS) -> dict:
    """The fold kinds of a statistics-only head: measure()'s result plus the statistics' names."""
    y = np.asarray(table["label"]).astype(int)
    res = M.measure(M.Rows(table, statistics_head(stats, y)), seed, reps=200, log=lambda *_: None,
                    min_per_class=min_per_class, kinds=kinds)
    log(f"  shortcut (statistics alone): {res['headline']['kind']} mean {num(res['headline']['mean'])}")
    return {**res, "statistics": list(names)}


def section(model_res: dict, short: dict) -> str:
    """The card's shortcut section: per fold, the model's AUC beside the statistics-only head's."""
    own = {(r["kind"], r["fold"]): r["auc"] for r in model_res["folds"]}
    rows, suspect = [], []
    for r in short["folds"]:
        mine = own.get((r["kind"], r["fold"]))
        flag = r["auc"] >= SUSPECT_AUC
        if flag and r["kind"] == "collection":
            suspect.append(r["fold"])
        rows.append([r["kind"], r["fold"], num(mine), num(r["auc"]), "**suspect**" if flag else "–"])
    kinds = md_table(["fold kind", "model mean AUC", "statistics alone mean AUC"],
                     [[k, num(model_res["kinds"].get(k, {}).get("mean")), num(s["mean"])]
                      for k, s in short["kinds"].items()])
    verdict = (f"Collection folds where the statistics alone reach {SUSPECT_AUC}: {', '.join(suspect)} — there the "
               "model's figure may owe to format rather than manipulation." if suspect else
               f"No collection fold where the statistics alone reach {SUSPECT_AUC}.")
    return ("A logistic regression on file statistics alone (" + ", ".join(short["statistics"]) + "), refitted on "
            "the same folds as the model (training/evaluation/shortcuts.py). " + verdict + "\n\n" + kinds + "\n\n"
            + md_table(["kind", "held-out fold", "model AUC", "statistics alone AUC", ""], rows))
