"""Recording quality is not the label: the shipped head's out-of-fold scores across clean and degraded
variants (degraded reals vs clean fakes and the reverse must rank like the pooled set), and the quality
invariant: a classifier on recording-quality features alone (logistic regression, cross-validated over
speaker/sentence groups) should not tell real from fake in the training set, at least under the
quality-balancing weights the heads are trained with (training.audio.heads.balancing). The shared shortcut
check (training.evaluation.shortcuts) reads the same features on the shared folds."""
from __future__ import annotations

import numpy as np

from fakescope.training.audio.features import quality_design, quality_table
from fakescope.training.audio.heads.balancing import group_folds, training_weights
from fakescope.training.evaluation.metrics import roc_auc
from fakescope.training.evaluation.publish import md_table, num


def shortcut_checks(y: np.ndarray, scores: np.ndarray) -> dict:
    """Pooled out-of-fold AUC over clean + degraded variants, and the two crossed comparisons:
    degraded reals vs clean fakes, clean reals vs degraded fakes (each must be within 0.05 of pooled)."""
    k = len(scores)
    pooled = roc_auc(np.tile(y, k), scores.ravel())
    out = {"pooled": pooled}
    if k > 1:
        deg = scores[1:]
        out["real_degraded_vs_fake_clean"] = roc_auc(
            np.r_[np.zeros(deg[:, y == 0].size), np.ones(int((y == 1).sum()))], np.r_[deg[:, y == 0].ravel(), scores[0, y == 1]])
        out["real_clean_vs_fake_degraded"] = roc_auc(
            np.r_[np.zeros(int((y == 0).sum())), np.ones(deg[:, y == 1].size)], np.r_[scores[0, y == 0], deg[:, y == 1].ravel()])
        out["max_gap"] = max(abs(out["real_degraded_vs_fake_clean"] - pooled), abs(out["real_clean_vs_fake_degraded"] - pooled))
        out["passes"] = out["max_gap"] <= 0.05
    return out


def quality_auc(q: np.ndarray, y: np.ndarray, groups, weights: np.ndarray | None = None, folds: int = 5,
                seed: int = 0) -> float:
    """AUC of a group-cross-validated logistic regression predicting the label from quality features
    (weighted AUC when `weights` is given: the classifier is fitted and scored under them)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    x = quality_design(q)
    y = np.asarray(y).astype(int)
    w = np.ones(len(y)) if weights is None else np.asarray(weights, np.float64)
    cv = group_folds(groups, folds, seed)
    s = np.zeros(len(y))
    for f in range(folds):
        tr, va = cv != f, cv == f
        sc = StandardScaler().fit(x[tr])
        m = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced").fit(sc.transform(x[tr]), y[tr], sample_weight=w[tr])
        s[va] = m.predict_proba(sc.transform(x[va]))[:, 1]
    return weighted_auc(y, s, w)


def weighted_auc(y, s, w) -> float:
    """AUC where each (fake, real) pair counts with the product of their weights."""
    y, s, w = np.asarray(y), np.asarray(s, np.float64), np.asarray(w, np.float64)
    if np.allclose(w, w[0]):
        return roc_auc(y, s)
    order = np.argsort(s, kind="mergesort")
    s, y, w = s[order], y[order], w[order]
    auc, cum_real = 0.0, 0.0
    i = 0
    while i < len(s):
        j = i
        while j < len(s) and s[j] == s[i]:
            j += 1
        wr = w[i:j][y[i:j] == 0].sum()
        wf = w[i:j][y[i:j] == 1].sum()
        auc += wf * (cum_real + 0.5 * wr)
        cum_real += wr
        i = j
    return float(auc / (w[y == 1].sum() * w[y == 0].sum()))


def run(cfg: dict, ctx, res: dict) -> dict:
    """The quality invariant on the clean clips, on every variant, and under the quality-balancing weights."""
    data, nv = ctx.data, ctx.variants
    y, groups = data.y, data.table["group"]
    q = quality_table(data, nv, cfg["augment"]["seed"])
    qy, qg = np.tile(y, nv + 1), np.tile(groups, nv + 1)
    out = {"auc_clean_only": quality_auc(q[0], y, groups), "auc_all_variants": quality_auc(np.concatenate(q), qy, qg)}
    weights = training_weights(cfg, data, nv)
    if weights is not None:
        out["auc_all_variants_weighted"] = quality_auc(np.concatenate(q), qy, qg, weights)
    return out


def sections(cfg: dict, res: dict) -> list:
    sc, qi = res["sources"]["heads"][cfg["shipped"]]["shortcut"], res["quality"]
    weighted = ("" if "auc_all_variants_weighted" not in qi else
                f"; with the quality-balancing weights the heads are trained with, **{num(qi['auc_all_variants_weighted'])}**")
    return [("Degraded against clean, and the quality invariant (leave-one-source-out scores, shipped head)", md_table(
        ["comparison", "AUC", "within 0.05 of pooled"], [
            ["pooled (clean + degraded, real vs fake)", num(sc["pooled"]), ""],
            ["degraded reals vs clean fakes", num(sc.get("real_degraded_vs_fake_clean")),
             abs(sc.get("real_degraded_vs_fake_clean", 0) - sc["pooled"]) <= 0.05],
            ["clean reals vs degraded fakes", num(sc.get("real_clean_vs_fake_degraded")),
             abs(sc.get("real_clean_vs_fake_degraded", 0) - sc["pooled"]) <= 0.05]]) + f"""

**Quality invariant** (`training/audio/studies/degradation.py`): a group-cross-validated logistic regression on
recording-quality features (bandwidth, high-band energy, SNR estimate, flatness, clipping, level, length)
predicts real vs fake with AUC {num(qi['auc_clean_only'])} on the clean clips and {num(qi['auc_all_variants'])}
on the training set (all variants){weighted}.""")]
