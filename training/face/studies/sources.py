"""The face model's own folds, older than the shared fold kinds and kept because the shipped calibration and
verdict lines are placed on their out-of-fold scores, and because they test sources the collection folds cannot
(real-only and fake-only sources, against reference groups):

  leave-one-SOURCE-out   every face source in turn; the head never sees that source nor the reference groups R
                         (20 % of the groups of every source, out of every fold's training). Test = all of the
                         source; a class it has fewer than MIN_CLASS images of is topped up with R's images of
                         that class; the AUC counts only pairs with a held-out image (held_pair_auc).
  leave-one-FAMILY-out   diffusion / GAN / Photoshop / face swap (the nine swap sources AND the DeepFaceLive
                         frames out of training) / the general set's portrait faces.

Every fold is also scored after 0.5x + JPEG q60 (the `degraded` features of the same crops), by the v1 CNN
(face_cnn_v1.keras) on the same images and, on source folds, by a regression on the file statistics alone.
`calibrate` is the Model hook: Platt scaling on the source folds' out-of-fold scores, as shipped since face-2.0.
"""
from __future__ import annotations

import numpy as np

from fakescope.server.calibration import apply as cal_apply
from fakescope.training.config import repo_root
from fakescope.training.evaluation import calibrate as C, metrics
from fakescope.training.evaluation.publish import md_table, num
from fakescope.training.evaluation.splits import group_holdout
from fakescope.training.face import heads as H
from fakescope.training.face.data import FACE_SOURCES_V2, degrade_web, family_of
from fakescope.training.face.features import statistics

MIN_CLASS = 10
FAMILIES = ("diffusion", "gan", "photoshop", "face_swap", "general_set_faces")


def auc(y, p) -> float:
    y = np.asarray(y)
    return metrics.roc_auc(y, p) if len(np.unique(y)) == 2 else float("nan")


def held_pair_auc(y, p, held) -> float:
    """AUC over the (fake, real) pairs with at least one member from the held-out source: a fold topped up
    with reference images is not allowed to score itself on reference-vs-reference pairs."""
    y, p, held = np.asarray(y), np.asarray(p, np.float64), np.asarray(held, bool)
    fake, real = p[y == 1], p[y == 0]
    hf, hr = held[y == 1], held[y == 0]
    if not len(fake) or not len(real) or not (hf.any() or hr.any()):
        return float("nan")
    rs = np.sort(real)
    # every held fake against all reals; every held real against the non-held fakes
    below = np.searchsorted(rs, fake[hf], "left") + 0.5 * (np.searchsorted(rs, fake[hf], "right") - np.searchsorted(rs, fake[hf], "left"))
    fs = np.sort(fake[~hf])
    above = len(fs) - np.searchsorted(fs, real[hr], "right") + 0.5 * (np.searchsorted(fs, real[hr], "right") - np.searchsorted(fs, real[hr], "left"))
    n = hf.sum() * len(real) + hr.sum() * len(fs)
    return float((below.sum() + above.sum()) / n) if n else float("nan")


def fold_rows(data: dict, ref: np.ndarray, held: np.ndarray) -> tuple[np.ndarray, np.ndarray, list]:
    """(train rows, test rows, topped-up classes) of a fold whose held-out rows are `held`."""
    y = data["label"]
    test = held.copy()
    topped = []
    for cls in (0, 1):
        if int((y[held] == cls).sum()) < MIN_CLASS:
            test |= ref & ~held & (y == cls)
            topped.append("real" if cls == 0 else "fake")
    return np.flatnonzero(~held & ~ref), np.flatnonzero(test), topped


def run_fold(data, feats, train_rows, test_rows, frames, cfg, extra: dict, held=None) -> dict:
    """Fit a fold head; AUC on the test rows over the pairs that involve a held-out image (held_pair_auc)."""
    X, y, w = H.assemble(data, feats, train_rows, frames, cfg)
    head = H.fit_head(X, y, w, cfg)
    held = np.ones(len(data["label"]), bool) if held is None else held
    yt, ht = data["label"][test_rows], held[test_rows]
    p = H.head_scores(head, feats["clean"][test_rows])
    dr = test_rows[feats["degraded_rows"][test_rows]]   # the degraded condition is measured on a fixed subset
    pd = H.head_scores(head, feats["degraded"][dr])
    out = {"n_fake": int(yt.sum()), "n_real": int((1 - yt).sum()), "n_held": int(ht.sum()),
           "auc": held_pair_auc(yt, p, ht), "auc_all_pairs": auc(yt, p),
           "auc_degraded": held_pair_auc(data["label"][dr], pd, held[dr]), "n_degraded": int(len(dr)),
           "n_train": int(len(y)), "_p": p, "_rows": test_rows}
    for name, (sc, scd) in extra.items():  # comparison scores (v1 CNN, statistics alone) on the same rows
        out[f"{name}_auc"] = held_pair_auc(yt, sc[test_rows], ht) if sc is not None else float("nan")
        if scd is not None:
            out[f"{name}_auc_degraded"] = held_pair_auc(data["label"][dr], scd[dr], held[dr])
    return out


def statistics_scores(data: dict, train_rows, test_rows) -> np.ndarray:
    """This table's own shortcut column: a logistic regression on the file statistics alone (features.statistics),
    fitted on the fold's training rows (the shared shortcut check does the same on the shared fold kinds)."""
    from sklearn.linear_model import LogisticRegression

    m = statistics(data)[1].astype(np.float32)
    mu, sd = m[train_rows].mean(0), m[train_rows].std(0) + 1e-6
    lr = LogisticRegression(max_iter=1000).fit((m[train_rows] - mu) / sd, data["label"][train_rows])
    out = np.full(len(m), np.nan)
    out[test_rows] = lr.predict_proba((m[test_rows] - mu) / sd)[:, 1]
    return out


def v1_scores(ctx: dict) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The v1 face CNN (face_cnn_v1.keras, trained on most of these sources) on the same crops, clean and
    degraded (none in smoke runs); computed once per evaluation."""
    memo = ctx["memo"]
    if "v1" not in memo:
        path = repo_root() / "models" / "face_cnn_v1.keras"
        memo["v1"] = (None, None) if ctx["smoke"] or not path.exists() else _v1_scores(ctx["data"], path)
    return memo["v1"]


def _v1_scores(data: dict, path) -> tuple[np.ndarray, np.ndarray]:
    import keras

    from fakescope.server.features.face import standardize, to_model_input

    model = keras.saving.load_model(str(path), compile=False)

    def score(crops):
        return np.concatenate([np.asarray(model.predict_on_batch(to_model_input([standardize(c) for c in crops[s:s + 256]]))).reshape(-1)
                               for s in range(0, len(crops), 256)])

    crops = data["crops"]
    return score(crops), score(np.stack([degrade_web(c) for c in crops]))


def summarise(folds: dict, key: str = "auc") -> dict:
    vals = [f[key] for f in folds.values() if not np.isnan(f.get(key, np.nan))]
    return {"mean": float(np.mean(vals)) if vals else float("nan"), "worst": float(np.min(vals)) if vals else float("nan"),
            "n_folds": len(vals)}


def source_folds(cfg: dict, ctx: dict) -> tuple[dict, np.ndarray]:
    """(figures per source fold, out-of-fold score of every image of a source fold, NaN elsewhere), computed
    once per evaluation: calibrate and the source study both read them."""
    memo = ctx["memo"]
    if "source_folds" in memo:
        return memo["source_folds"]
    data, feats, ref = ctx["data"], ctx["feats"], ctx["ref"]
    v1, v1d = v1_scores(ctx)
    y, src = data["label"], data["source"]
    folds, oof = {}, np.full(len(y), np.nan)
    for s in [s for s in FACE_SOURCES_V2 if (src == s).any()]:
        tr, te, topped = fold_rows(data, ref, src == s)
        extra = {"v1": (v1, v1d), "shortcut": (statistics_scores(data, tr, te), None)}
        f = run_fold(data, feats, tr, te, ctx["frames"], cfg, extra, src == s)
        own = src[f["_rows"]] == s
        oof[f["_rows"][own]] = f["_p"][own]
        folds[s] = {k: v for k, v in f.items() if not k.startswith("_")} | {"topped_up": topped}
        print(f"  source fold {s}: AUC {f['auc']:.3f} degraded {f['auc_degraded']:.3f} (n {len(te)})", flush=True)
    memo["source_folds"] = folds, oof
    return memo["source_folds"]


def cross_fitted_ece(y, p, groups, seed) -> float:
    """ECE of Platt scaling fitted on one half of the groups and measured on the other (both ways, mean)."""
    a = group_holdout(groups, 0.5, seed)
    out = []
    for fit_m in (a, ~a):
        c = C.fit(p[fit_m], y[fit_m], "platt")
        out.append(metrics.ece(y[~fit_m], cal_apply(p[~fit_m], c)))
    return float(np.mean(out))


def calibrate(cfg: dict, ctx: dict, res: dict) -> dict:
    """Model.calibrate: Platt scaling on the source folds' out-of-fold scores (each image scored by the head of
    its own source's fold) and the training/evaluation/calibrate.py lines on the calibrated scores: the
    manifest's calibration and thresholds."""
    y, groups = ctx["data"]["label"], ctx["data"]["group"]
    oof = source_folds(cfg, ctx)[1]
    ok = ~np.isnan(oof)
    cal = C.fit(oof[ok], y[ok], "platt")
    pc = cal_apply(oof[ok], cal)
    th = C.pick_thresholds(y[ok], pc)
    return {"method": "Platt scaling", "n": int(ok.sum()), "params": cal, "thresholds": th,
            "on": "out-of-fold image scores (each image scored by the head of its own source's fold, "
                  "leave-one-source-out with reference groups: see below)",
            "ece_raw": metrics.ece(y[ok], oof[ok]),
            "ece_cross_fitted": cross_fitted_ece(y[ok], oof[ok], groups[ok], cfg["split"]["seed"]),
            "ece_in_sample": metrics.ece(y[ok], pc), "auc_pooled": auc(y[ok], oof[ok]),
            "band_rates": C.band_rates(y[ok], pc, th),
            "lines_rule": "training/evaluation/calibrate.py rule on the calibrated out-of-fold scores: at most 5 % "
                          "of reals above the upper line, at most 5 % of fakes below the lower",
            "note": "The shipped head is fitted on all data, so it is somewhat more confident than the fold heads "
                    "these figures come from. These are the manifest's overall lines; a content type with its "
                    "own bands (Role in the verdict) is banded with those."}


def run_sources(cfg: dict, ctx: dict, res: dict) -> dict:
    folds = source_folds(cfg, ctx)[0]
    return {"source_folds": folds, "loso": {
        "clean": summarise(folds), "degraded": summarise(folds, "auc_degraded"), "v1": summarise(folds, "v1_auc"),
        "v1_degraded": summarise(folds, "v1_auc_degraded"), "shortcut": summarise(folds, "shortcut_auc")}}


def run_families(cfg: dict, ctx: dict, res: dict) -> dict:
    data, feats, ref = ctx["data"], ctx["feats"], ctx["ref"]
    v1, v1d = v1_scores(ctx)
    y, src = data["label"], data["source"]
    folds = {}
    for fam in FAMILIES:
        held = np.array([family_of(s) == fam for s in src])
        if not (held & (y == 1)).any():
            continue
        tr, te, topped = fold_rows(data, ref, held)
        frames = None if fam == "face_swap" else ctx["frames"]
        f = run_fold(data, feats, tr, te, frames, cfg, {"v1": (v1, v1d)}, held)
        folds[fam] = {k: v for k, v in f.items() if not k.startswith("_")} | {"topped_up": topped}
        print(f"  family fold {fam}: AUC {f['auc']:.3f} degraded {f['auc_degraded']:.3f}", flush=True)
    return {"family_folds": folds, "lofo": {"clean": summarise(folds), "degraded": summarise(folds, "auc_degraded")}}


def _fold_rows(folds: dict, with_shortcut: bool) -> list:
    rows = []
    for name, f in folds.items():
        row = [name, f["n_fake"], f["n_real"], ", ".join(f["topped_up"]) or "-", num(f["auc"]), num(f["auc_degraded"]),
               num(f.get("v1_auc")), num(f.get("v1_auc_degraded"))]
        if with_shortcut:
            row.append(num(f.get("shortcut_auc")))
        rows.append(row)
    return rows


def sources_sections(cfg: dict, res: dict) -> list:
    lo, sf = res["sources"]["loso"], res["sources"]["source_folds"]
    summary = [["v2 (this model), clean", num(lo["clean"]["mean"]), num(lo["clean"]["worst"])],
               ["v2, after 0.5x + JPEG q60", num(lo["degraded"]["mean"]), num(lo["degraded"]["worst"])],
               ["v1 CNN (face_cnn_v1), clean - saw most of these sources in training", num(lo["v1"]["mean"]), num(lo["v1"]["worst"])],
               ["v1 CNN, after 0.5x + JPEG q60", num(lo["v1_degraded"]["mean"]), num(lo["v1_degraded"]["worst"])],
               ["shortcut check: image size + face size + YuNet confidence only", num(lo["shortcut"]["mean"]),
                num(lo["shortcut"]["worst"])]]
    return [("Leave-one-source-out with reference groups (this model's own folds)",
             "Each fold's head never saw the source; test = the whole source, a class it has fewer than "
             f"{MIN_CLASS} images of topped up with R's images of that class (column 'topped up'); the AUC counts "
             "only the (fake, real) pairs with at least one image of the held-out source, so reference-vs-reference "
             "pairs never inflate a fold. The calibration and verdict lines above are placed on these folds' "
             "out-of-fold scores. v1 = the previous CNN scored on the same test images: it was trained on CIPLAB, "
             "UTKFace, FFHQ, SDFD and StyleGAN, so its figures on those folds are not held out (in its favour). "
             "Shortcut = a logistic regression on the same file statistics as the shortcut check above, refitted "
             "per source fold. The 0.5x + JPEG q60 condition is measured on a fixed subset of at most "
             f"{cfg['eval']['degraded_per_source']} images per source (file-hash order; one more encoder call per "
             "image).\n\n"
             + md_table(["summary over source folds", "mean AUC", "worst fold"], summary) + "\n\n"
             + md_table(["held-out source", "fakes", "reals", "topped up", "AUC", "AUC 0.5x+q60", "v1 AUC",
                         "v1 0.5x+q60", "shortcut AUC"], _fold_rows(sf, True)))]


def families_sections(cfg: dict, res: dict) -> list:
    fam = res["families"]
    return [("Leave-one-family-out", "The head never saw any source of the family (face swap: none of the nine "
             "swap sources and no DeepFaceLive frame); reference groups and topping up as in the source folds.\n\n"
             + md_table(["held-out family", "fakes", "reals", "topped up", "AUC", "AUC 0.5x+q60", "v1 AUC",
                         "v1 0.5x+q60"], _fold_rows(fam["family_folds"], False))
             + f"\n\nMean {num(fam['lofo']['clean']['mean'])}, worst {num(fam['lofo']['clean']['worst'])}.")]
