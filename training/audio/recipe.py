"""Audio recipe (v2's recipe; the config's "shipped_candidate" names the training pool and the codec
variants, training.audio.candidates): speech-encoder embeddings (Whisper tiny.en, server.features.speech) of the dataset
clips and of locally generated TTS fakes, clean and degraded alike, -> small numpy heads.

train()    computes / reuses the cached embeddings, fits the shipped fake/real head and the speech gate
           head on every row, and writes both into one npz (runs/audio/, published to models/).
evaluate() (training.audio.evaluate) measures the recipe on held-out sources and generator
           families and writes the card and the manifest entry."""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np

from fakescope.training.audio import candidates
from fakescope.training.audio import folds as audio_folds
from fakescope.training.audio.data import AudioData, variants
from fakescope.training.audio.features import features, gate_kind
from fakescope.training.audio.heads import fit_head, shipped_config
from fakescope.training.config import limit_threads, repo_root


def fit_detector(cfg: dict, data: AudioData, feats: list[np.ndarray], weights=None, keep=None) -> dict:
    """The shipped head (the shipped candidate's head config) on every variant of the clips in `keep` (all by
    default)."""
    rows = np.tile(np.ones(len(data), bool) if keep is None else keep, len(feats))
    x = np.concatenate(feats)[rows]
    y = np.tile(data.y, len(feats))[rows]
    hcfg = cfg["candidates"][cfg["shipped_candidate"]]["head"] if "shipped_candidate" in cfg else shipped_config(cfg)["head"]
    return fit_head(x, y, hcfg, "detector", cfg["seed"],
                    weights=None if weights is None else weights[rows])


def train(cfg: dict, out_dir: Path, smoke: bool = False, log=print) -> dict:
    """Fit the shipped heads on every row (all variants) into out_dir/<model_file>; publish unless smoke."""
    limit_threads(cfg.get("threads", 2))
    t0 = time.time()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sm = cfg["smoke"] if smoke else {}
    data = AudioData(cfg, limit=sm.get("limit"), log=log)
    nv = variants(cfg, smoke)
    feats, weights, keep = candidates.training_rows(cfg, data, cfg["shipped_candidate"], smoke)
    log(f"training rows: {int(keep.sum())} clips x {len(feats)} variants ({int(data.y[keep].sum())} fake clips, "
        f"{int(data.generated[keep].sum())} generated)")
    head = fit_detector(cfg, data, feats, weights, keep)
    gate_feats = features(data, gate_kind(cfg), nv, cfg["augment"]["seed"])
    gate, gate_res = audio_folds.gate_figures(cfg, data, gate_feats, smoke, log=log)
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


def evaluate(cfg: dict, smoke: bool = False) -> dict:
    from fakescope.training.audio.evaluate import evaluate as evaluate_audio

    return evaluate_audio(cfg, smoke)
