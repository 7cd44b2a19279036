"""Probe (issue 8): how deep should the speech head read the Whisper encoder?

audio_speech 2.3 reads the encoder cut to its first 2 of 4 layers (server.encoders.whisper.first_layers);
this probe re-measures that choice and its neighbours on the card's leave-one-source-out folds, with the
shipped head's recipe (logistic regression, the config's C, quality-balancing weights), on the CLEAN variant
only (so it runs in minutes; the card trains on all variants: compare rows within this probe, not with
the card):

    python experiments/speech_depth_probe.py     # ~3 min with cached features, writes runs/audio/depth_probe.json

Feature sets: the statistics of the encoder cut to 1, 2 or 3 layers, or of the whole encoder, each with the
LFCC statistics; and depths 1 and 2 together (one more, 1-layer, encoder pass per window)."""
from __future__ import annotations

import json

import numpy as np

from fakescope.training.evaluation import metrics, splits
from fakescope.training.audio.data import AudioData
from fakescope.training.config import load_config, limit_threads, repo_root
from fakescope.training.audio import features as audio_features
from fakescope.training.audio.studies import sources as audio_folds
from fakescope.training.audio.heads import shipped_config
from fakescope.training.audio.heads.balancing import training_weights
from fakescope.training.audio.heads import fit_head, score

SETS = ("first1_lfcc", "first2_lfcc", "first3_lfcc", "whisper_lfcc", "first1_first2_lfcc")


def run(log=print) -> dict:
    cfg = load_config("audio")
    limit_threads(cfg.get("threads", 2))
    data = AudioData(cfg)
    y, seed = data.y, cfg["augment"]["seed"]
    weights = training_weights(cfg, data, 0)
    head = shipped_config(cfg)["head"]
    feats = {k: audio_features.features(data, k, 0, seed)[0] for k in SETS}
    names = audio_folds.fold_of(cfg, data.table, y)
    folds: dict[str, dict] = {}
    for fold in sorted(set(names)):
        tr, va = splits.holdout_split({**data.table, "fold": names}, "fold", [fold])[:2]
        if len(set(y[va])) < 2 or len(set(y[tr])) < 2:
            continue
        folds[fold] = {}
        for k, x in feats.items():
            h = fit_head(x[tr], y[tr], head, "h", cfg["seed"], weights=None if weights is None else weights[tr])
            folds[fold][k] = round(metrics.roc_auc(y[va], score(h, "h", x[va])), 4)
    res = {"variant": "clean", "n_folds": len(folds), "folds": folds,
           "summary": {k: {"mean": round(float(np.mean([f[k] for f in folds.values()])), 4),
                           "worst": round(float(min(f[k] for f in folds.values())), 4)} for k in SETS}}
    for k, s in res["summary"].items():
        log(f"{k:22s} mean {s['mean']:.3f} worst {s['worst']:.3f}")
    out = repo_root() / "runs" / "audio" / "depth_probe.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2))
    log(f"wrote {out}")
    return res


if __name__ == "__main__":
    run()
