"""`evaluate face` for the v2 face model: every held-out fold, calibration on out-of-fold scores, the video
check, the comparison with the v1 CNN and the shortcut check; writes the card and the manifest entry.

Folds (a head is fitted per fold exactly as the shipped one, face_v2.assemble + fit_head):
  leave-one-SOURCE-out   every face source in turn; the head never sees that source (nor the reference
                         groups R, 20 % of the groups of every source, kept out of every fold's training).
                         Test = all of the source; a class the source has fewer than MIN_CLASS images of
                         is topped up with R's images of that class from other sources (marked in the card);
                         the AUC counts only pairs with a held-out image (held_pair_auc).
  leave-one-FAMILY-out   diffusion / GAN / Photoshop / face swap (all nine swap sources AND the DeepFaceLive
                         frames out of training) / the general set's portrait faces.
  video                  leave-one-face-model-GROUP-out over the 9 DeepFaceLive groups, whole clips through
                         the serving aggregation (FaceManipulationDetector.score_extracted).
Every fold is scored clean and after 0.5x + JPEG q60 (the `degraded` features of the same crops).
"""
from __future__ import annotations

import json
import time

import numpy as np

from fakescope.server.calibration import apply as cal_apply
from fakescope.server.features.face import (ENCODER_CROP, ENCODER_SIZE, crop_features, face_encoder, standardize,
                                            to_model_input)
from fakescope.training.evaluation import calibrate, measure, metrics, publish
from fakescope.training.config import limit_threads, repo_root, resolve_path
from fakescope.training.evaluation.splits import group_holdout
from fakescope.training.face import features as F, heads as H, video as V
from fakescope.training.face.data import FACE_SOURCES_V2, family_of
from fakescope.training.face.features import FEATURE_SPEC
from fakescope.training.face.video import training_frames

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
    for name, (sc, scd) in extra.items():  # comparison scores (v1 CNN, shortcut model) on the same rows
        out[f"{name}_auc"] = held_pair_auc(yt, sc[test_rows], ht) if sc is not None else float("nan")
        if scd is not None:
            out[f"{name}_auc_degraded"] = held_pair_auc(data["label"][dr], scd[dr], held[dr])
    return out


def shortcut_scores(data: dict, train_rows, test_rows) -> np.ndarray:
    """A logistic regression on image statistics only (log width/height, face size, YuNet confidence):
    if it separated the classes on held-out sources, the source format would be a shortcut."""
    from sklearn.linear_model import LogisticRegression

    m = data["meta"]
    mu, sd = m[train_rows].mean(0), m[train_rows].std(0) + 1e-6
    lr = LogisticRegression(max_iter=1000).fit((m[train_rows] - mu) / sd, data["label"][train_rows])
    out = np.full(len(m), np.nan)
    out[test_rows] = lr.predict_proba((m[test_rows] - mu) / sd)[:, 1]
    return out


def v1_scores(data: dict, repo) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The v1 face CNN (face_cnn_v1.keras, trained on most of these sources) on the same crops."""
    path = repo / "models" / "face_cnn_v1.keras"
    if not path.exists():
        return None, None
    import keras

    from fakescope.training.face.data import degrade_web

    model = keras.saving.load_model(str(path), compile=False)

    def score(crops):
        return np.concatenate([np.asarray(model.predict_on_batch(to_model_input([standardize(c) for c in crops[s:s + 256]]))).reshape(-1)
                               for s in range(0, len(crops), 256)])

    crops = data["crops"]
    return score(crops), score(np.stack([degrade_web(c) for c in crops]))


def ablations(cfg, data, feats, ref, frames, sources) -> dict:
    """The LOSO mean / worst of the settings not shipped (config eval.ablations: overrides of "train"; an
    "input_size" override reads the features of the same crops and clip frames at that encoder input),
    so the card shows what each choice was worth on the same folds."""
    out = {}
    for name, override in cfg["eval"].get("ablations", {}).items():
        c = json.loads(json.dumps(cfg))
        c["train"].update(override)
        f_, fr_ = feats, frames
        if "input_size" in override:
            size = int(override["input_size"])
            f_ = F.load_images(cfg, size=size, log=None)[1]
            fr_ = training_frames(V.load_clips(cfg, "train_frames", size=size, log=None))
        folds = {}
        for s in sources:
            tr, te, _ = fold_rows(data, ref, data["source"] == s)
            f = run_fold(data, f_, tr, te, fr_, c, {}, data["source"] == s)
            folds[s] = {"auc": f["auc"], "auc_degraded": f["auc_degraded"]}
        out[name] = {"override": override, **summarise(folds), "degraded": summarise(folds, "auc_degraded"),
                     "folds": {k: v["auc"] for k, v in folds.items()}}
        if "input_size" in override:  # its speed against the shipped size's, measured one after the other
            out[name]["encoder_ms"] = encoder_ms(data, size=int(override["input_size"]))
            out[name]["shipped_encoder_ms"] = encoder_ms(data)
        print(f"  ablation {name}: mean {out[name]['mean']:.3f} worst {out[name]['worst']:.3f}", flush=True)
    return out


def summarise(folds: dict, key: str = "auc") -> dict:
    vals = [f[key] for f in folds.values() if not np.isnan(f.get(key, np.nan))]
    return {"mean": float(np.mean(vals)) if vals else float("nan"), "worst": float(np.min(vals)) if vals else float("nan"),
            "n_folds": len(vals)}


def cross_fitted_ece(y, p, groups, seed) -> float:
    """ECE of Platt scaling fitted on one half of the groups and measured on the other (both ways, mean)."""
    a = group_holdout(groups, 0.5, seed)
    out = []
    for fit_m in (a, ~a):
        c = calibrate.fit(p[fit_m], y[fit_m], "platt")
        out.append(metrics.ece(y[~fit_m], cal_apply(p[~fit_m], c)))
    return float(np.mean(out))


def spot_check(data: dict, feats: dict, ref: np.ndarray, head: dict, cal: dict, n: int = 6) -> list[dict]:
    """Calibrated shipped-model scores of n reference files per class, from the training feature cache;
    tests/vision re-scores the files through the serving path and must get the same numbers."""
    out = []
    for cls in (0, 1):
        rows = np.flatnonzero(ref & (data["label"] == cls))
        for i in rows[np.linspace(0, len(rows) - 1, n).round().astype(int)]:
            p = float(cal_apply(H.head_scores(head, feats["clean"][i:i + 1]), cal)[0])
            out.append({"path": str(data["path"][i]), "label": cls, "score": round(p, 4)})
    return out


def encoder_ms(data, n: int = 12, size: int = ENCODER_SIZE) -> float:
    """Median ms of crop_features per face crop at encoder input `size` (this machine, now)."""
    enc = face_encoder(size)
    crop_features(data["crops"][0], enc)
    t = []
    for c in data["crops"][:n]:
        s = time.perf_counter()
        crop_features(c, enc)
        t.append(time.perf_counter() - s)
    return 1000 * float(np.median(t))


def model_rows(data: dict, feats: dict, frames: tuple, cfg: dict) -> measure.Rows:
    """The face model as training.evaluation sees it: every image row testable, fakes by family; a fold's head
    is assembled and fitted like the shipped one, without the DeepFaceLive frames when face swaps are out."""
    y = data["label"]
    fam = np.array([family_of(s) if l_ else "real" for s, l_ in zip(data["source"], y)], dtype=object)
    table = {"label": y, "source": data["source"], "family": fam, "group": data["group"],
             "testable": np.ones(len(y), bool)}

    def fit_score(tr, te, held):
        head = H.fit_head(*H.assemble(data, feats, tr, None if "face_swap" in held else frames, cfg), cfg)
        return H.head_scores(head, feats["clean"][te])

    return measure.Rows(table, fit_score)


def evaluate_face(cfg: dict, smoke: bool = False) -> dict:
    limit_threads(cfg["train"].get("threads", 2))
    repo = repo_root()
    data, feats = F.load_images(cfg, smoke)
    train_clips, serve_clips = V.load_clips(cfg, "train_frames", smoke), V.load_clips(cfg, "serving", smoke)
    all_frames = training_frames(train_clips)
    ref = group_holdout(data["group"], cfg["eval"]["reference_fraction"], cfg["split"]["seed"])
    v1, v1d = (None, None) if smoke else v1_scores(data, repo)
    y, src = data["label"], data["source"]
    res = {"feature_spec": FEATURE_SPEC, "n_images": int(len(y)), "n_reference": int(ref.sum()), "source_folds": {},
           "family_folds": {}}
    oof = np.full(len(y), np.nan)
    for s in [s for s in FACE_SOURCES_V2 if (src == s).any()]:
        tr, te, topped = fold_rows(data, ref, src == s)
        extra = {"v1": (v1, v1d), "shortcut": (shortcut_scores(data, tr, te), None)}
        f = run_fold(data, feats, tr, te, all_frames, cfg, extra, src == s)
        own = src[f["_rows"]] == s
        oof[f["_rows"][own]] = f["_p"][own]
        res["source_folds"][s] = {k: v for k, v in f.items() if not k.startswith("_")} | {"topped_up": topped}
        print(f"  source fold {s}: AUC {f['auc']:.3f} degraded {f['auc_degraded']:.3f} (n {len(te)})", flush=True)
    for fam in FAMILIES:
        held = np.array([family_of(s) == fam for s in src])
        if not (held & (y == 1)).any():
            continue
        tr, te, topped = fold_rows(data, ref, held)
        frames = None if fam == "face_swap" else all_frames
        f = run_fold(data, feats, tr, te, frames, cfg, {"v1": (v1, v1d)}, held)
        res["family_folds"][fam] = {k: v for k, v in f.items() if not k.startswith("_")} | {"topped_up": topped}
        print(f"  family fold {fam}: AUC {f['auc']:.3f} degraded {f['auc_degraded']:.3f}", flush=True)
    sf = res["source_folds"]
    res["loso"] = {"clean": summarise(sf), "degraded": summarise(sf, "auc_degraded"), "v1": summarise(sf, "v1_auc"),
                   "v1_degraded": summarise(sf, "v1_auc_degraded"), "shortcut": summarise(sf, "shortcut_auc")}
    kept: dict = {}
    res["fold_kinds"] = measure.measure(model_rows(data, feats, all_frames, cfg), cfg["split"]["seed"], keep_scores=kept)
    res["ablations"] = {} if smoke else ablations(cfg, data, feats, ref, all_frames, list(sf))
    res["lofo"] = {"clean": summarise(res["family_folds"]), "degraded": summarise(res["family_folds"], "auc_degraded")}
    # calibration on out-of-fold scores (each image scored by the head of its own source's fold)
    ok = ~np.isnan(oof)
    cal = calibrate.fit(oof[ok], y[ok], "platt")
    pc = cal_apply(oof[ok], cal)
    th = calibrate.pick_thresholds(y[ok], pc)
    res["calibration"] = {"n": int(ok.sum()), "ece_oof_fitted_on_all": metrics.ece(y[ok], pc),
                          "ece_cross_fitted": cross_fitted_ece(y[ok], oof[ok], data["group"][ok], cfg["split"]["seed"]),
                          "ece_raw": metrics.ece(y[ok], oof[ok]), "band_rates_oof": calibrate.band_rates(y[ok], pc, th),
                          "oof_auc_pooled": auc(y[ok], oof[ok])}
    from fakescope.training.face.video import extraction_detector
    from fakescope.training.face.data import yunet_path

    det = extraction_detector(yunet_path(repo))
    res["video"] = V.video_folds(cfg, data, feats, train_clips, serve_clips, det, cal)
    rule = cfg["video"]["rule"]
    vreal = [c[rule] for c in res["video"]["clips"] if c["y"] == 0 and c[rule] is not None]
    res["video"]["rule"] = rule
    res["video"]["real_called_fake"] = float(np.mean(np.array(vreal) >= th["upper"])) if vreal else float("nan")
    res["video"]["real_called_fake_n"] = f"{int(np.sum(np.array(vreal) >= th['upper']))}/{len(vreal)}"
    res["video"]["fake_called_real"] = float(np.mean([c[rule] <= th["lower"] for c in res["video"]["clips"]
                                                       if c["y"] == 1 and c[rule] is not None]))
    if smoke:  # measured, never published
        return {"loso": res["loso"]["clean"], "lofo": res["lofo"]["clean"], "video_auc_mean": res["video"]["auc_mean"],
                "n_images": res["n_images"]}
    res["encoder_ms_per_crop"] = encoder_ms(data)
    shipped = H.load_head(repo / "models" / cfg["model_file"])
    res["spot_check"] = spot_check(data, feats, ref, shipped, cal)
    info = repo / "runs" / cfg["name"] / "train_info.json"
    res["train_info"] = json.loads(info.read_text()) if info.exists() else {}
    res["heldout_auc"] = res["fold_kinds"]["headline"]["mean"]
    res["heldout_worst_auc"] = res["fold_kinds"]["headline"]["worst"]
    from fakescope.training.face.card import write_face_v2_card
    from fakescope.training.face.roles import content_roles, picture_bands

    rows, p_out = measure.out_of_fold(kept)
    res["bands"] = {"face_picture": picture_bands(y[rows], cal_apply(p_out, cal), src[rows])}
    res["content_roles"] = content_roles(res, rule, res["bands"]["face_picture"])

    names = [f"{s_} {'fake' if l_ else 'real'}" for s_, l_ in zip(src[ok], y[ok])]
    plots = {"oof": (y[ok], oof[ok], cal_apply(oof[ok], cal), names)}
    card = write_face_v2_card(cfg, res, th, cal, repo, plots)
    path = repo / "models" / cfg["model_file"]
    res["size_kb"] = path.stat().st_size / 1e3
    published = measure.publish_model(
        cfg, res["fold_kinds"], card=card.name, applies="image, video",
        looks_for="manipulated, swapped or generated faces (CLIP ViT-B/16 features of YuNet crops)", fmt="npz",
        input_spec={"crop": f"YuNet box, square, margin 1.3, {ENCODER_CROP} px -> {ENCODER_SIZE} px, JPEG q90",
                    "encoder": f"clip_vit_b16_int8 at {ENCODER_SIZE} px",
                    "features": FEATURE_SPEC, "video": {**V.serving_video(cfg), "rule": rule}},
        calibration=cal, thresholds=th, content_roles=res["content_roles"],
        metrics_={"loso": res["loso"], "lofo": res["lofo"],
                  "source_folds": {k: {"auc": v["auc"], "auc_degraded": v["auc_degraded"]} for k, v in sf.items()},
                  "video_auc": res["video"][f"auc_{rule}"], "video_real_called_fake": res["video"]["real_called_fake"],
                  "ece_cross_fitted": res["calibration"]["ece_cross_fitted"], "encoder_ms_per_crop": res["encoder_ms_per_crop"],
                  "spot_check": res["spot_check"]},
        data_manifest=resolve_path(cfg["data"]["images"]) / "MANIFEST.csv")
    publish.write_metrics_json(repo / "models" / "cards" / "face_metrics.json", res)
    return {**published, "loso_mean": round(res["loso"]["clean"]["mean"], 4), "loso_worst": round(res["loso"]["clean"]["worst"], 4),
            "loso_degraded_mean": round(res["loso"]["degraded"]["mean"], 4), "v1_loso_mean": res["loso"]["v1"]["mean"],
            "lofo": {k: round(v["auc"], 4) for k, v in res["family_folds"].items()},
            "video_auc": {k: res["video"][f"auc_{k}"] for k in ("mean", "run", "drift", "frames")},
            "video_real_called_fake": res["video"]["real_called_fake_n"],
            "ece_cross_fitted": round(res["calibration"]["ece_cross_fitted"], 4)}
