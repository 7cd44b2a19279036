"""The face model card (models/cards/face.md) and its plots, written from evaluate_face's measurements."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from training import publish
from server.features.face import INPUT_SIZE
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
        ti = res.get("train_info", {})
        loss = (f" (final training loss {ti['losses'][-1]:.2f}, epoch {ti['best_epoch']} kept by the stop slice)"
                if ti.get("losses") else "")
        out.append("- Unseen-generator AUC < 0.95 (and < 0.92 degraded): a compact CNN trained from scratch on "
                   f"~{ti.get('n_train', 0):,} crops of two generator families{loss} learns the generators it saw; "
                   "in round-2 experiments longer or early-stopped training scored no better on the unseen folds "
                   "(logs under runs/face_exp_*); fully synthetic "
                   "faces of an unseen generator share little low-level trace with them, and SBI teaches "
                   "blending seams, which SD/StyleGAN faces do not have. Levers: more generators in training, "
                   "more real identities (FFHQ has 101), a wider model at 128 px, and pre-trained features if "
                   "weights become available.")
    if res["val_B"]["ece"] > TARGETS["ece"]:
        cs = res.get("calibration_set", {})
        cal_txt = ("half A + stop slice; half A alone gave ECE "
                   f"{num(res.get('ece_B_if_half_A_only', float('nan')))}" if cs.get("stop_slice") else "half A")
        out.append(f"- ECE > 0.05 on half B: Platt scaling fitted on {cs.get('n', '?')} crops ({cal_txt}), whose source mix "
                   "differs from half B; levers: a source-stratified calibration split, isotonic calibration "
                   "once more labelled crops exist.")
    if _video_estimate(res["video"]) < TARGETS["video_auc"]:
        out.append("- Video AUC < 0.90: DeepFaceLive swaps are whole-face renders blended into the frame, not in "
                   "the image training data (SBI approximates only the blending seam); the run rule keeps real "
                   "clips out of likely_fake but cannot separate what the frame model does not." + _video_exp_txt(res))
    return "\n".join(out) or "All targets measured here are met."


def _video_exp_txt(res) -> str:
    e = res["video"].get("finetune_experiment")
    if not e:
        return " Levers: fine-tune on frames of a group split of the paired clips; temporal (flicker) features."
    return (f" Fine-tuning on ~1 fps frames ({e['n_frames']} crops) was measured with a {e['folds']}-fold GROUP "
            f"cross-validation on a round-2 image model: whole-clip AUC {num(e['auc_before'])} before, "
            f"{num(e['auc_cv'])} cross-validated after, so it is not shipped (python -m training.recipes.face_video). "
            f"In the pairs the swapped half scored on average {e.get('pair_diff_before', float('nan')):+.3f} against its "
            "real half, far below the spread between clips. Levers: temporal (flicker, identity-consistency) features and real face-swap training data.")


def _video_estimate(v) -> float:
    """The video number to trust: the group-CV AUC when the shipped model was fine-tuned on the clips."""
    return v["group_cv"]["auc_cv"] if v.get("group_cv") else v["ours_auc"]


def _video_rows(v) -> list:
    run = "1 frame/s, face tracks, best run of 3 frames"
    if not v.get("group_cv"):
        return [[f"ours: {run}", num(v["ours_auc"]), _ok(v["ours_auc"], 0.9)],
                ["reference: every 10th frame, mean", num(v["reference_auc"]), "-"]]
    cv = v["group_cv"]
    return [[f"ours, image-only model (before fine-tuning): {run}", num(cv["auc_before"]), _ok(cv["auc_before"], 0.9)],
            [f"ours, fine-tuned on frames, {cv['folds']}-fold GROUP cross-validation (no clip scored by a model "
             f"that saw its group) - THE ESTIMATE", num(cv["auc_cv"]), _ok(cv["auc_cv"], 0.9)],
            ["shipped model (fine-tuned on ALL clips): in-sample, NOT an estimate", num(v["ours_auc"]), "-"],
            ["reference rule with the shipped model: every 10th frame, mean (in-sample)", num(v["reference_auc"]), "-"]]


def _finetune_txt(cfg, res) -> str:
    vf = cfg.get("video_finetune")
    if not vf or not res["video"].get("group_cv"):
        return ""
    return (f"Then fine-tuned ({vf['epochs']} passes, Adam {vf['lr']}) on ~1 fps face crops of ALL 26 DeepFaceLive "
            "clips, each batch half frames, half image-set crops (with SBI), so the video numbers below for the "
            "shipped model are in-sample; the group cross-validated number is the estimate. ")


def _stop_txt(cfg) -> str:
    frac = cfg["split"].get("stop_fraction", 0)
    if not frac:
        return "no early stopping, the last epoch is shipped"
    return (f"the epoch with the best AUC on a stop slice of {int(frac * 100)} % of the TRAINING groups is kept, "
            f"patience {cfg['train'].get('patience', '-')}")


def _fit_txt(res) -> str:
    ti = res.get("train_info", {})
    if not ti.get("losses"):
        return "per-epoch losses in runs/<name>/ logs"
    return (f"{len(ti['losses'])} epochs run, epoch {ti['best_epoch']} kept, stop-slice AUC {ti['best_stop_auc']}, "
            f"training loss {ti['losses'][0]:.3f} -> {ti['losses'][-1]:.3f}")


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
                  f"margin 1.3, resized to {INPUT_SIZE} px, one JPEG q90 re-encode (server.features.face, shared "
                  f"with training). Trained from scratch (up to {t['epochs']} epochs, Adam {t['lr']} with cosine "
                  f"decay, batch {t['batch_size']}; {_stop_txt(cfg)}: {_fit_txt(res)}) with self-blended images (rate {t['sbi_rate']} of real crops per epoch, label fake) and "
                  "JPEG 50-95 / down-up-scaling / blur / noise / border-smear augmentation on both classes. "
                  + _finetune_txt(cfg, res) +
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
        ("Role in the verdict", publish.role_text(res["heldout_auc"], "worst leave-generator-out")),
        ("Thresholds", f"lower {th['lower']:.4f}, upper {th['upper']:.4f} (rule in training/calibrate.py, fitted on "
                       f"half A + stop slice, n = {res.get('calibration_set', {}).get('n', '?')}). On half B: reals called likely_fake {pct(res['band_rates_B']['real_called_fake'])}, "
                       f"fakes called likely_real {pct(res['band_rates_B']['fake_called_real'])}, uncertain "
                       f"{pct(res['band_rates_B'].get('uncertain', float('nan')))}. Calibration: {cal}."),
        ("Video (DeepFaceLive paired clips, whole-clip scores)",
         md_table(["rule", "AUC", "target 0.90"], _video_rows(v))
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
