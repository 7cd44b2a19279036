"""Model card text for the audio detector, assembled from the measured evaluation dict."""
from __future__ import annotations

import os
from pathlib import Path

from .. import publish
from ..publish import md_table, num, pct

TARGETS = {"eer_clean": 0.05, "eer_mp3_64k": 0.08, "ece": 0.05, "size_mb": 10.0}


def _row(name, r):
    return [name, r["n"], num(r["auc"]), pct(r["eer"]), pct(r["accuracy"])]


def write(cfg: dict, res: dict, card_path: Path, plot_dir: Path, data) -> Path:
    c = res["conditions"]
    sp = res["split"]
    rel = os.path.relpath(plot_dir, card_path.parent)
    hdr = ["model / condition", "n", "AUC", "EER", "accuracy (shipped: calibrated @ upper thr.; baselines: raw @ 0.5)"]
    lead = []
    for src, r in res["leave_source_out"].items():
        for tag in ("shipped", "mfcc_cnn1d"):
            if tag in r:
                for cond in ("clean", "mp3_64k"):
                    x = r[tag][cond]
                    lead.append([f"leave-source-out `{src}`", tag, cond, x["n"], x["n_fake"], num(x["auc"]),
                                 pct(x["eer"]), pct(x["accuracy"])])
    main_rows = [_row(f"**shipped** {cfg['shipped']['name']} – {k}", v) for k, v in c.items()]
    for tag, b in res["baselines"].items():
        main_rows += [_row(f"{b['name']} – {k}", b[k]) for k in ("clean", "mp3_64k", "lowpass_4k")]
    size_mb = res["size_bytes"] / 1e6
    cal = res["calibration"]
    th = res["thresholds"]
    br = res["band_rates"]
    targets = md_table(["target", "goal", "measured", "met"], [
        ["EER clean, unseen generators", "≤ 5 %", pct(c["clean"]["eer"]), c["clean"]["eer"] <= 0.05],
        ["EER after MP3 64 kb/s", "≤ 8 %", pct(c["mp3_64k"]["eer"]), c["mp3_64k"]["eer"] <= 0.08],
        ["ECE (cross-fitted Platt)", "≤ 0.05", num(cal["ece_cross_fitted"]), cal["ece_cross_fitted"] <= 0.05],
        ["model file", "≤ 10 MB", f"{size_mb:.2f} MB", size_mb <= 10],
        ["60 s of audio scored", "≤ 1 s", "see `python bench/audio_speed.py`", "–"]])
    per_sys = sorted(res["per_system"], key=lambda r: (-r["n_fake"] == 0, -(r["eer"] if r["eer"] == r["eer"] else 0)))
    sys_rows = [[r["key"][:60], r["n"], "fake" if r["n_fake"] else "real", num(r["auc"]), pct(r["eer"]),
                 pct(r["called_fake"]), num(r["mean_score"])] for r in per_sys]
    src_rows = [[r["key"], r["n"], r["n_fake"], num(r["auc"]), pct(r["eer"]), pct(r["called_fake"]),
                 num(r["mean_score"])] for r in res["per_source"] + res["per_language"]]
    sections = [
        ("Summary", f"""
Speech deepfake detector `{cfg['detector']}` (manifest key `{cfg['model_key']}`, file
`models/{cfg['model_file']}`, {size_mb:.2f} MB). Score = calibrated probability that speech is
synthetic, voice-converted or vocoded (label 1 = fake).

**Data:** `../shared/datasets/audio/MANIFEST.csv` (sha256 `{data.manifest_sha[:16]}…`), {len(data)} clips.
No extra fakes were generated for this model beyond the dataset's own offline Debian TTS clips.
**Split (leave-system-out):** connected components of the group–system graph moved whole to validation
(`training/splits.py`, seed {cfg['split']['seed']}): {sp['train']} training clips, {sp['validation']}
validation clips of which {sp['validation_fake']} fakes from **{sp['validation_systems']} generators never
seen in training**; no speaker/sentence group and no fake system on both sides (asserted).
Random-split numbers are not reported: they measure memorised generators and speakers."""),
        ("Leave-source-out (whole demo pages / corpora held out)", md_table(
            ["held out", "model", "condition", "n", "fakes", "AUC", "EER", "accuracy"], lead)
            or "not run"),
        ("Leave-system-out validation: shipped model, robustness rows and baselines", md_table(hdr, main_rows) +
         "\n\nConditions: `mp3_64k` = MP3 64 kb/s round trip (ffmpeg libmp3lame); `telephone_8k` = "
         "16→8→16 kHz; `noise_20db` = white noise at 20 dB SNR; `lowpass_4k` = 8th-order low-pass at 4 kHz "
         "(the bandwidth-shortcut check: the shipped front-end only sees 31 Hz–4 kHz, so a model that "
         "measured energy above 7 kHz could not work at all). Baselines use their full-band reference "
         "features and the same augmentation and split."),
        ("Targets", targets),
        ("Calibration and thresholds", f"""
Platt scaling fitted on the validation scores: a = {cal['params'].get('a')}, b = {cal['params'].get('b')}.
ECE (15 bins): raw {num(cal['ece_raw'])}, calibrated in-sample {num(cal['ece_in_sample'])},
**cross-fitted {num(cal['ece_cross_fitted'])}** (each half of validation calibrated on the other half).
Thresholds (rule in `training/calibrate.py`): upper = score at or above which ≤ 5 % of validation reals
fall ({num(th['upper'], 4)}); lower = score at or below which ≤ 5 % of validation fakes fall
({num(th['lower'], 4)}). Measured with cross-fitted scores: reals called likely fake {pct(br['real_called_fake'])},
fakes called likely real {pct(br['fake_called_real'])}, left uncertain {pct(br['uncertain'])}.
![calibration]({rel}/calibration.png) ![confusion]({rel}/confusion.png)"""),
        ("Per source and per language (clean validation)", md_table(
            ["source / language", "n", "fakes", "AUC", "EER", "called fake", "mean score"], src_rows) +
         "\n\nFor a fake-only value AUC/EER are its fakes against all validation reals."),
        ("Per system (clean validation; fakes vs all validation reals)", md_table(
            ["system", "n", "class", "AUC", "EER", "called fake", "mean score"], sys_rows)),
        ("Plots", f"![ROC and DET]({rel}/roc_det.png)\n\n![per system]({rel}/systems.png)\n\n"
                  f"![per source]({rel}/sources.png)"),
        ("Serving", f"""
Server detector `server/detectors/audio_speech.py`: decode to 16 kHz mono, energy gate (< {cfg['serving']['min_speech_s']} s
of speech → not applicable), {cfg['shipped']['features']['window_s']:.0f} s windows every {cfg['serving']['hop_s']} s
scored in one batch, window probabilities averaged ({cfg['serving']['aggregate']}) then calibrated and banded.
Features: `server/features/audio.py` (`{cfg['shipped']['features']['features']}`), shared with training."""),
        ("Limits", """
- Validation generators are unseen, but their families (HiFi-GAN variants, FastSpeech variants) may
  have relatives in training; modern zero-shot / commercial TTS is absent from the data.
- 4 s clips of read speech, mostly English; Japanese and Portuguese are small (see per-language rows).
- The model ignores everything above 4 kHz by design, so telephone-band audio looks the same to it as
  wide-band audio; it cannot use genuine high-band vocoder artefacts either.
- Scores are probabilities, not proof; “uncertain” is a legitimate answer."""),
        ("Reproduce", f"""
`python -m training.cli train {cfg['name']}` (or `fakescope train {cfg['name']}`) then
`python -m training.cli evaluate {cfg['name']}`; config `training/configs/{cfg['name']}.json`."""),
    ]
    return publish.write_card(card_path, "Model card: audio_speech (synthetic speech detector)", sections)
