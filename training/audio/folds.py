"""Held-out evaluation of the speech heads: leave-one-source-out (every source), leave-one-generator-
family-out, out-of-fold scores for calibration, the shortcut checks and the speech gate's figures.

Every fold trains a head on the clean AND degraded variants of the training rows and scores the held-out
rows in every variant through server.features.speech.head_logit. Sources that cannot form a fold on their
own (one class only, or fewer than `min_per_class` clips of a class) are grouped into one "other" fold;
the card lists which."""
from __future__ import annotations

import numpy as np

from fakescope.training.evaluation import metrics, splits
from fakescope.training.audio.data import AudioData
from fakescope.training.audio.features import encoder_layers, gate_kind, non_speech_embeddings
from fakescope.training.cache import cached_arrays, key_of
from fakescope.training.config import cache_dir
from fakescope.training.audio.heads import fit_head, score


def fold_of(cfg: dict, table: dict, y: np.ndarray, min_per_class: int | None = None) -> np.ndarray:
    """Fold name per row: the config's fixed groups, else the source, else the grouped "other" fold."""
    fc = cfg["folds"]
    fixed = {src: name for name, srcs in fc.get("fixed", {}).items() for src in srcs}
    fold = np.array([fixed.get(s, s) for s in table["source"]], dtype=object)
    for f in sorted(set(fold)):
        m = fold == f
        if min(int((y[m] == 0).sum()), int((y[m] == 1).sum())) < (min_per_class or fc.get("min_per_class", 5)):
            fold[m] = fc["other_name"]
    return fold




def fit_score(feats: list[np.ndarray], y: np.ndarray, tr: np.ndarray, va: np.ndarray, hcfg: dict, seed: int,
               weights: np.ndarray | None = None):
    train_feats = feats[: hcfg.get("train_variants", len(feats))]  # a CNN row may train on the clean rows only
    x = np.concatenate([f[tr] for f in train_feats])
    w = None if weights is None else np.concatenate([weights[k * len(y) + tr] for k in range(len(train_feats))])
    if hcfg["kind"] in ("attention", "cnn"):  # Keras comparison rows: frames head, reference-recipe CNNs
        from fakescope.training.audio.comparison_heads import fit_attention, score_attention
        from fakescope.training.audio.comparison_heads import fit_cnn, score_cnn

        fit, scorer = {"attention": (fit_attention, score_attention), "cnn": (fit_cnn, score_cnn)}[hcfg["kind"]]
        model = fit(x, np.tile(y[tr], len(train_feats)), hcfg, seed, weights=w)
        return np.stack([scorer(model, f[va]) for f in feats])
    head = fit_head(x, np.tile(y[tr], len(train_feats)), hcfg, "h", seed, weights=w)
    return np.stack([score(head, "h", f[va]) for f in feats])


def heldout_scores(cfg: dict, data: AudioData, feats: list[np.ndarray], hcfg: dict, how: str,
                   weights: np.ndarray | None = None, log=print) -> dict:
    """{"scores": (variants+1, N) out-of-fold probabilities (NaN where a row was never held out),
    "fold": fold name per row, "<fold>": train size} for how = "source" or "family". Cached."""
    key = key_of(how, hcfg, list(data.table["sha256"]), cfg["folds"], cfg.get("family_holdout"), len(feats),
                 float(feats[0][:5].sum()), None if weights is None else float(weights.sum() + weights[:7].sum()), "folds-v1")
    path = cache_dir() / "audio_folds" / f"{key}.npz"

    def compute():
        y, t = data.y, data.table
        out = np.full((len(feats), len(y)), np.nan)
        if how == "source":
            names = fold_of(cfg, t, y, min_per_class=1 if len(y) < 200 else None)  # tiny (smoke) sets
            folds = [(f, *splits.holdout_split({**t, "fold": names}, "fold", [f])[:2]) for f in sorted(set(names))]
        else:
            names = np.array(t["family"], dtype=object)
            folds = [(f, *family_split(cfg, t, y, f)) for f in sorted(set(names[y == 1]))]
        real_scores = []
        folds = [(f, tr, va) for f, tr, va in folds if len(set(y[tr])) == 2 and len(set(y[va])) == 2]
        for f, tr, va in folds:
            log(f"    {how} fold {f}: train {len(tr)} / held out {len(va)}")
            s = fit_score(feats, y, tr, va, hcfg, cfg["seed"], weights)
            if how == "source":
                out[:, va] = s
            else:  # family folds share their held-out reals: keep this fold's scores in its own rows
                out[:, va[y[va] == 1]] = s[:, y[va] == 1]
                real_scores.append(s[0, y[va] == 0])
        res = {"scores": out, "fold": names.astype(str), "n_train": np.array([len(tr) for _, tr, _ in folds]),
               "fold_names": np.array([f for f, _, _ in folds], dtype=str)}
        if how == "family":
            res["real_scores"] = np.stack(real_scores)
        return res

    return cached_arrays(path, compute)


def family_split(cfg: dict, table: dict, y: np.ndarray, family: str) -> tuple[np.ndarray, np.ndarray]:
    """Leave-one-generator-family-out: validation = the family's fakes + a fixed, group-disjoint share
    of the reals (the same reals for every family); training = the rest minus rows sharing a group with
    validation or a fake of the held-out family."""
    fh = cfg["family_holdout"]
    real_groups = sorted(set(table["group"][y == 0]))
    rng = np.random.default_rng(fh["seed"])
    held_groups = set(rng.permutation(real_groups)[: int(len(real_groups) * fh["real_fraction"])])
    fam = np.asarray(table["family"], dtype=object)
    val = ((y == 1) & (fam == family)) | ((y == 0) & np.array([g in held_groups for g in table["group"]]))
    vgroups = set(table["group"][val])
    touch = np.array([g in vgroups for g in table["group"]]) | ((y == 1) & (fam == family))
    tr, va = np.flatnonzero(~val & ~touch), np.flatnonzero(val)
    splits.assert_no_leakage(table, tr, va, system_key=None)
    return tr, va


def fold_rows(y: np.ndarray, scores: np.ndarray, fold: np.ndarray, names, generated=None) -> list[dict]:
    """Per fold: n, fakes (and how many of them generated), AUC / EER on clean audio, AUC on the
    degraded variants."""
    rows = []
    gen = np.zeros(len(y), bool) if generated is None else np.asarray(generated, bool)
    for f in names:
        m = fold == f
        s0 = scores[0, m]
        r = {"fold": str(f), "n": int(m.sum()), "n_fake": int(y[m].sum()), "n_generated": int((m & gen).sum()),
             "auc": metrics.roc_auc(y[m], s0), "eer": metrics.eer(y[m], s0)[0]}
        if len(scores) > 1:
            r["auc_degraded"] = metrics.roc_auc(np.tile(y[m], len(scores) - 1), scores[1:, m].ravel())
        rows.append(r)
    return rows


def family_rows(y: np.ndarray, res: dict) -> list[dict]:
    rows = []
    fam = res["fold"]
    for j, f in enumerate(res["fold_names"]):
        fk = (y == 1) & (fam == f)
        s_f, s_r = res["scores"][0, fk], res["real_scores"][j]
        yy = np.r_[np.ones(len(s_f)), np.zeros(len(s_r))]
        ss = np.r_[s_f, s_r]
        rows.append({"fold": str(f), "n": int(len(yy)), "n_fake": int(fk.sum()), "auc": metrics.roc_auc(yy, ss),
                     "eer": metrics.eer(yy, ss)[0]})
    return rows


def shortcut_checks(y: np.ndarray, scores: np.ndarray) -> dict:
    """Pooled out-of-fold AUC over clean + degraded variants, and the two crossed comparisons:
    degraded reals vs clean fakes, clean reals vs degraded fakes (each must be within 0.05 of pooled)."""
    k = len(scores)
    pooled = metrics.roc_auc(np.tile(y, k), scores.ravel())
    out = {"pooled": pooled}
    if k > 1:
        deg = scores[1:]
        out["real_degraded_vs_fake_clean"] = metrics.roc_auc(
            np.r_[np.zeros(deg[:, y == 0].size), np.ones(int((y == 1).sum()))], np.r_[deg[:, y == 0].ravel(), scores[0, y == 1]])
        out["real_clean_vs_fake_degraded"] = metrics.roc_auc(
            np.r_[np.zeros(int((y == 0).sum())), np.ones(deg[:, y == 1].size)], np.r_[scores[0, y == 0], deg[:, y == 1].ravel()])
        out["max_gap"] = max(abs(out["real_degraded_vs_fake_clean"] - pooled), abs(out["real_clean_vs_fake_degraded"] - pooled))
        out["passes"] = out["max_gap"] <= 0.05
    return out


def gate_figures(cfg: dict, data: AudioData, feats: list[np.ndarray], smoke: bool, log=print) -> tuple[dict, dict]:
    """(final gate head trained on every speech row + generated non-speech, measured figures):
    refusals of every real clip (out-of-fold over speaker/sentence groups) and of held-out generated
    non-speech (another seed), clean and degraded."""
    g = cfg["gate"]
    sm = cfg["smoke"] if smoke else {}
    nv = len(feats) - 1
    layers = encoder_layers(gate_kind(cfg))  # the gate's input: statistics of this encoder depth
    ns_train = non_speech_embeddings(sm.get("non_speech_clips", g["non_speech_clips"]), g["seed"], nv, cfg["augment"]["seed"], layers)
    ns_test = non_speech_embeddings(sm.get("test_clips", g["test_clips"]), g["test_seed"], nv, cfg["augment"]["seed"] + 1, layers)
    xs_ns = np.concatenate(ns_train)
    groups = np.asarray(data.table["group"], dtype=object)
    ug = np.array(sorted(set(groups)), dtype=object)
    fold_of_group = {gr: i % g["cv_folds"] for i, gr in enumerate(np.random.default_rng(g["seed"]).permutation(ug))}
    cv = np.array([fold_of_group[gr] for gr in groups])
    p_speech = np.full((len(feats), len(groups)), np.nan)
    for f in range(g["cv_folds"]):
        tr, va = np.flatnonzero(cv != f), np.flatnonzero(cv == f)
        if len(va) == 0:
            continue
        x = np.concatenate([np.concatenate([ft[tr] for ft in feats]), xs_ns])
        yy = np.r_[np.ones(len(tr) * len(feats)), np.zeros(len(xs_ns))]
        head = fit_head(x, yy, g["head"], "gate", cfg["seed"])
        for k, ft in enumerate(feats):
            p_speech[k, va] = score(head, "gate", ft[va])
    x = np.concatenate([np.concatenate(feats), xs_ns])
    yy = np.r_[np.ones(sum(len(f) for f in feats)), np.zeros(len(xs_ns))]
    final = fit_head(x, yy, g["head"], "gate", cfg["seed"])
    th = g["threshold"]
    real = data.y == 0
    ds = ~data.generated
    test_p = [score(final, "gate", t) for t in ns_test]
    from fakescope.training.augment.nonspeech import non_speech_set

    kinds = np.array(non_speech_set(len(ns_test[0]), g["test_seed"])[1]) if len(ns_test[0]) <= 400 else None
    res = {"threshold": th, "n_real": int((real & ds).sum()),
           "real_refused_clean": int((p_speech[0, real & ds] < th).sum()),
           "real_refused_degraded": int((p_speech[1:, real & ds] < th).sum()) if nv else 0,
           "real_degraded_n": int(nv * (real & ds).sum()),
           "fake_refused_clean": int((p_speech[0, ~real & ds] < th).sum()), "n_fake": int((~real & ds).sum()),
           "generated_refused": int((p_speech[0, data.generated] < th).sum()), "n_generated": int(data.generated.sum()),
           "non_speech_n": int(len(test_p[0])),
           "non_speech_refused_clean": int((test_p[0] < th).sum()),
           "non_speech_refused_degraded": int(sum((p < th).sum() for p in test_p[1:])),
           "non_speech_degraded_n": int(sum(len(p) for p in test_p[1:])),
           "refused_reals": sorted(set(str(p) for p in data.table["path"][real & ds][p_speech[0, real & ds] < th]))[:20]}
    if kinds is not None:
        res["non_speech_per_kind"] = {k: float(np.mean(test_p[0][kinds == k] < th)) for k in sorted(set(kinds))}
    return final, res
