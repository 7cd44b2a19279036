"""The face model card (models/cards/face.md) and its plots, written from evaluate_face's measurements."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from training import publish
from training.publish import md_table, num, pct

TARGETS = {"auc_unseen": 0.95, "auc_degraded": 0.92, "ece": 0.05, "size_mb": 20.0, "ms_per_crop": 30.0,
           "video_auc": 0.90}


def _ok(value, target, higher=True) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "not measured"
    return "meets" if (value >= target if higher else value <= target) else "MISSES"


def _misses(res) -> str:
    """Which targets this measurement misses, why we think so, and what to try next."""
    out = []
    folds = res["folds"]
    if any(f["clean"]["auc"] < TARGETS["auc_unseen"] for f in folds.values()):
        out.append("- Unseen-generator AUC < 0.95 (and < 0.92 degraded): a 0.18 M-parameter CNN trained from "
                   "scratch for a few CPU epochs on ~2.6 k crops (shared 2-core CPU) is still under-fitted "
                   "(final training loss ~0.59). Levers: more epochs and a wider model at 128 px (compute), "
                   "more real identities (FFHQ has 101), and pre-trained features if weights become available.")
    if res["val_B"]["ece"] > TARGETS["ece"]:
        out.append("- ECE > 0.05 on half B: Platt scaling fitted on ~275 crops of half A, whose source mix "
                   "differs from half B; lever: fit on a larger, source-stratified calibration split.")
    if res["video"]["ours_auc"] < TARGETS["video_auc"]:
        out.append("- Video AUC < 0.90: DeepFaceLive swaps are whole-face renders blended into the frame, not in "
                   "the image training data (SBI approximates only the blending seam); the run rule keeps real "
                   "clips out of likely_fake but cannot separate what the frame model does not. Lever: fine-tune "
                   "on frames of a group split of the paired clips, and temporal (flicker) features.")
    return "\n".join(out) or "All targets measured here are met."


def write_face_card(cfg, res, curves, calib_set, th, cal, data, b_idx, p_b, repo: Path) -> Path:
    cards = repo / "models" / "cards"
    fig = cards / "face"
    publish.plot_roc_det(curves, fig / "roc.png", "Face model: ROC / DET")
    y_b, raw_b, pc_b = calib_set
    publish.plot_calibration(y_b, raw_b, pc_b, fig / "calibration.png", "Calibration, val half B")
    srcs = data["source"][b_idx]
    yb = data["label"][b_idx]
    names = [f"{s} {'fake' if l else 'real'}" for s, l in zip(srcs, yb)]
    publish.plot_score_histograms(p_b, yb, names, fig / "scores_by_source.png", "Calibrated scores per source (val B)")
    vb = res["val_B"]
    fold_rows = [[f"unseen {g}", f["clean"]["n_fake"], f["clean"]["n_real"], num(f["clean"]["auc"]),
                  num(f["jpeg60_half"]["auc"]), _ok(f["clean"]["auc"], TARGETS["auc_unseen"]),
                  _ok(f["jpeg60_half"]["auc"], TARGETS["auc_degraded"])] for g, f in res["folds"].items()]
    src_rows = [[s, m["n_fake"], m["n_real"], num(m["auc"]), num(m["mean_score"]), pct(m["called_fake"]),
                 pct(m["called_real"])] for s, m in res["per_source_B"].items()]
    v = res["video"]
    base = res.get("baseline_xception")
    base_txt = ("Not trained in this run." if not base else md_table(
        ["fold (Xception-style 128 px, whole images, from scratch)", "epochs", "AUC"],
        [[k, base["epochs"], num(val)] for k, val in base["auc"].items()]))
    t = cfg["train"]
    sections = [
        ("Model", f"`{cfg['model_file']}` ({cfg['architecture']}, {res['params']:,} parameters, "
                  f"{res['size_mb']:.2f} MB), version {cfg['version']}. Input: YuNet face box, square crop with "
                  f"margin 1.3, resized to 96 px, one JPEG q90 re-encode (server.features.face, shared with "
                  f"training). Trained from scratch ({t['epochs']} epochs, Adam {t['lr']}, batch {t['batch_size']}) "
                  f"with self-blended images (rate {t['sbi_rate']} of real crops per epoch, label fake) and "
                  "JPEG 50-95 / down-up-scaling / blur / noise / border-smear augmentation on both classes. "
                  "Label 1 = fake; score = Platt-calibrated probability of manipulation."),
        ("Data and splits", "`../shared/datasets/images` face sources (CIPLAB, UTKFace, FFHQ, SDFD SD 2.1, "
                            "StyleGAN 2/3); smoke and the general set excluded. Faces not found by YuNet are "
                            f"dropped ({int((data['missed'] != '').sum())} files, all CIPLAB tight crops). "
                            f"Validation = {int(cfg['split']['val_fraction'] * 100)} % of GROUPS (seed {cfg['split']['seed']}), "
                            "cut by group into half A (calibration + thresholds) and half B (reported). "
                            "Leave-generator-out folds: a model trained without any fake of that generator, "
                            "scored on all its fakes vs the validation reals. `../shared/datasets/video`: the "
                            "26 DeepFaceLive clips (13 paired real/swapped halves, same footage and codec)."),
        ("Held-out generators (the generalisation check)", md_table(
            ["fold", "fakes", "reals", "AUC", "AUC after JPEG q60 + 0.5x", "target 0.95", "target 0.92"], fold_rows)),
        ("Validation half B (group split, all sources)",
         f"AUC {num(vb['auc'])}, EER {pct(vb['eer'])}, ECE {num(vb['ece'])} ({_ok(vb['ece'], TARGETS['ece'], False)} "
         f"target ≤ 0.05), n = {vb['n']} ({vb['n_fake']} fake). After JPEG q60 + 0.5x: AUC "
         f"{num(res['val_B_jpeg60_half']['auc'])}. Per source (CIPLAB = Photoshop edits, reported separately; "
         "AUC only where a source has both classes):\n\n"
         + md_table(["source", "fakes", "reals", "AUC", "mean score", "called likely_fake", "called likely_real"],
                    src_rows)),
        ("Thresholds", f"lower {th['lower']:.4f}, upper {th['upper']:.4f} (rule in training/calibrate.py, fitted on "
                       f"half A). On half B: reals called likely_fake {pct(res['band_rates_B']['real_called_fake'])}, "
                       f"fakes called likely_real {pct(res['band_rates_B']['fake_called_real'])}, uncertain "
                       f"{pct(res['band_rates_B'].get('uncertain', float('nan')))}. Calibration: {cal}."),
        ("Video (DeepFaceLive paired clips, whole-clip scores)",
         md_table(["rule", "AUC", "target 0.90"],
                  [["ours: 1 frame/s, face tracks, best run of 3 frames", num(v["ours_auc"]), _ok(v["ours_auc"], 0.9)],
                   ["reference: every 10th frame, mean", num(v["reference_auc"]), "-"]])
         + f"\n\nReal clips called likely_fake: {pct(v['ours_real_called_fake'])}. Median analysis time per clip "
           f"(3-12 s, ~540x300 px): {v['median_s_per_clip']:.2f} s. The 60 s 720p speed target is measured by "
           "bench/vision_speed.py."),
        ("Baseline", base_txt),
        ("Speed and size", f"{res['speed_ms_per_crop_batch64']:.2f} ms per crop in a batch of 64 on this CPU "
                           f"({_ok(res['speed_ms_per_crop_batch64'], 30, False)} ≤ 30 ms); file {res['size_mb']:.2f} MB "
                           f"({_ok(res['size_mb'], 20, False)} ≤ 20 MB)."),
        ("Targets missed: reasons and next levers", _misses(res)),
        ("Figures", "![ROC](face/roc.png) ![calibration](face/calibration.png) ![scores](face/scores_by_source.png)"),
        ("Limits", "Trained on ~5.6 k face crops from few generators; real-only sources (UTKFace, FFHQ) and "
                   "fake-only sources (SDFD, StyleGAN) remain a source shortcut risk, which is why the unseen-"
                   "generator folds and the paired video halves are the numbers to trust. Scores are "
                   "probabilities, not proof; uncertain is a valid answer."),
    ]
    return publish.write_card(cards / "face.md", "Face-manipulation model card", sections)
