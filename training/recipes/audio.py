"""Audio recipe: the shipped speech model, the two reference baselines and the leave-source-out
folds, all on leakage-free splits (training.splits) with web-like augmentation on both classes.

train() fits and saves the models (runs/audio/*.keras) and publishes the shipped one to models/;
evaluate() (training.recipes.audio_eval) measures them and writes the card and manifest entry."""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np

from .. import splits
from ..audio_data import AudioData
from ..config import limit_threads, repo_root, set_seed
from .audio_eval import evaluate  # noqa: F401  (the recipe's second entry point)


def primary_split(cfg: dict, data: AudioData) -> tuple[np.ndarray, np.ndarray]:
    """Leave-system-out + group split: validation holds whole generators and whole speaker/sentence
    groups that training never sees (asserted inside component_split)."""
    s = cfg["split"]
    return splits.component_split(data.table, s["val_fraction"], s["seed"],
                                  max_component_share=s.get("max_component_share", 0.1))


def model_specs(cfg: dict, smoke: bool) -> list[tuple[str, dict]]:
    """(tag, model config) for every model train() fits on the primary split."""
    specs = [("shipped", cfg["shipped"])]
    if not smoke:
        specs += [(tag, m) for tag, m in cfg["baselines"].items()]
    return specs


def logspec_bin_hz(spec: dict) -> np.ndarray:
    """Centre frequency (Hz) of each pooled `logspec` bin (mirrors server.features.audio.logspec)."""
    hz = spec["sr"] / spec["n_fft"]
    lo, hi = int(round(spec["fmin_hz"] / hz)), int(round(spec["fmax_hz"] / hz)) + 1
    p = int(spec.get("pool", 1))
    n = (hi - lo) // p
    return (lo + np.arange(n) * p + (p - 1) / 2.0) * hz


def band_mask(x: np.ndarray, spec: dict, rng: np.random.Generator, bm: dict) -> np.ndarray:
    """Random low-pass applied in feature space to a (N, frames, bins, 1) logspec batch, to both
    classes alike: with probability bm["p"] a clip gets the attenuation of the zero-phase 8th-order
    Butterworth (training.augment_audio.lowpass) at a cutoff drawn from [min_hz, max_hz], floored at
    the clip's quietest value and re-centred like logspec. WHY: fakes in this data carry more energy
    above 4-7 kHz; masking that band often makes it usable but never decisive (lowpass_4k check)."""
    hz = logspec_bin_hz(spec)
    assert len(hz) == x.shape[2], (len(hz), x.shape)
    sel = rng.random(len(x)) < bm.get("p", 0.75)
    cut = rng.uniform(bm.get("min_hz", 3500.0), bm.get("max_hz", 7500.0), size=len(x))
    order = bm.get("order", 8)
    att_db = 20.0 * np.log10(1.0 + (hz[None, :] / cut[:, None]) ** (2 * order))  # |H|^4: filtfilt
    y = x - (att_db / 20.0)[:, None, :, None]  # features are dB / 20
    y = np.maximum(y, x.min(axis=(1, 2, 3), keepdims=True))
    y -= y.mean(axis=(1, 2, 3), keepdims=True)
    return np.where(sel[:, None, None, None], y, x).astype(np.float32)


def _epoch_batch(feats: list[np.ndarray], idx: np.ndarray, rng: np.random.Generator, crop: int | None,
                 mask: tuple[dict, dict] | None = None):
    """One epoch's inputs: each training clip once, in a randomly chosen variant (clean or degraded),
    with a random time crop for spectrogram inputs (a cheap random-offset augmentation) and, when
    `mask` = (feature spec, band_mask config) is given, a random feature-space low-pass."""
    choice = rng.integers(0, len(feats), size=len(idx))
    x = np.stack([feats[c][i] for c, i in zip(choice, idx)]).astype(np.float32)
    if mask:  # before the crop: logspec re-centres over the whole window
        x = band_mask(x, mask[0], rng, mask[1])
    if crop and x.ndim == 4 and x.shape[1] > crop:
        starts = rng.integers(0, x.shape[1] - crop + 1, size=len(x))
        x = np.stack([xi[s:s + crop] for xi, s in zip(x, starts)])
    return x


def fit(mcfg: dict, feats: list[np.ndarray], y: np.ndarray, train_idx: np.ndarray, seed: int,
        epochs: int | None = None, log=print):
    """Train one registered architecture on `feats` (list of (N, ...) arrays, one per variant)."""
    import keras

    from .. import architectures

    set_seed(seed)
    shape = feats[0].shape[1:]
    if mcfg["architecture"] == "spec_resnet":
        shape = (None,) + tuple(shape[1:])  # any number of frames: serving uses full 4 s windows
    model = architectures.build(mcfg["architecture"], input_shape=shape)
    epochs = epochs or mcfg["epochs"]
    steps = epochs * int(np.ceil(len(train_idx) / mcfg["batch"]))
    lr = keras.optimizers.schedules.CosineDecay(mcfg["lr"], decay_steps=max(steps, 1), alpha=0.05)
    model.compile(optimizer=keras.optimizers.Adam(lr), loss="binary_crossentropy")
    yt = y[train_idx].astype(np.float32)
    # balance the classes inside the training split (it is not 50/50 and differs per fold)
    pos = max(yt.mean(), 1e-3)
    weights = np.where(yt == 1, 0.5 / pos, 0.5 / max(1 - pos, 1e-3)).astype(np.float32)
    rng = np.random.default_rng(seed)
    for ep in range(epochs):
        t0 = time.time()
        order = rng.permutation(len(train_idx))
        mask = (mcfg["features"], mcfg["band_mask"]) if mcfg.get("band_mask") else None
        x = _epoch_batch(feats, train_idx[order], rng, mcfg.get("crop_frames"), mask)
        h = model.fit(x, yt[order], sample_weight=weights[order], batch_size=mcfg["batch"], epochs=1,
                      verbose=0, shuffle=False)
        log(f"    epoch {ep + 1}/{epochs} loss {h.history['loss'][-1]:.4f} ({time.time() - t0:.0f} s)")
    return model


def load_variants(data: AudioData, mcfg: dict, cfg: dict, n_variants: int) -> list[np.ndarray]:
    spec = mcfg["features"]
    return [data.train_features([spec], k, cfg["augment"]["seed"])[0] for k in range(n_variants + 1)]


def training_set(data: AudioData, mcfg: dict, cfg: dict, train_idx: np.ndarray, n_variants: int):
    """(feature variants, labels, training indices) for one model: the dataset clips plus, when the
    model config asks for `copy_synthesis`, the Griffin-Lim copies of the split's TRAINING reals only
    (rows appended after the dataset; a copy shares its source real's group, so it cannot leak)."""
    feats = load_variants(data, mcfg, cfg, n_variants)
    cs = mcfg.get("copy_synthesis")
    if not cs:
        return feats, data.y, train_idx
    ri = data.real_idx
    seed = cfg["augment"]["seed"]
    extra = [data.synth_features([mcfg["features"]], k, seed, cs["settings"])[0] for k in range(n_variants + 1)]
    use = np.isin(ri, train_idx)
    assert not np.isin(ri[use], np.setdiff1d(np.arange(len(data)), train_idx)).any()
    feats = [np.concatenate([f, e]) for f, e in zip(feats, extra)]
    y = np.concatenate([data.y, np.ones(len(ri), np.int64)])
    return feats, y, np.concatenate([train_idx, len(data) + np.flatnonzero(use)])


def train(cfg: dict, out_dir: Path, smoke: bool = False, log=print) -> dict:
    """Fit the shipped model (+ baselines and leave-source-out folds unless smoke) into out_dir."""
    limit_threads(cfg.get("threads", 2))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sm = cfg["smoke"] if smoke else {}
    data = AudioData(cfg, limit=sm.get("limit"))
    n_var = sm.get("variants", cfg["augment"]["variants"])
    tr, va = primary_split(cfg, data)
    log(f"primary split: {len(tr)} train / {len(va)} validation clips "
        f"({int(data.y[va].sum())} fake from {len(set(data.table['system'][va][data.y[va] == 1]))} unseen systems)")
    done = {}
    all_specs = [m["features"] for _, m in model_specs(cfg, smoke)]
    for k in range(n_var + 1):  # every front-end from one pass over each (slow) augmented variant
        t0 = time.time()
        data.train_features(all_specs, k, cfg["augment"]["seed"])
        log(f"  features of variant {k}: {time.time() - t0:.0f} s")
    for tag, mcfg in model_specs(cfg, smoke):
        t0 = time.time()
        log(f"  training {tag}: {mcfg['architecture']}")
        feats, y, idx = training_set(data, mcfg, cfg, tr, n_var)
        model = fit(mcfg, feats, y, idx, cfg["seed"], epochs=sm.get("epochs"), log=log)
        path = out_dir / f"{tag}.keras"
        model.save(path)
        done[tag] = {"file": str(path), "seconds": round(time.time() - t0, 1)}
        if tag == "shipped" and not smoke:  # publish first: the folds below only add evaluation rows
            dest = repo_root() / "models" / cfg["model_file"]
            shutil.copyfile(path, dest)
            done["published"] = str(dest.relative_to(repo_root()))
    if not smoke:
        for src in cfg.get("leave_source_out", []):
            ltr, lva, _ = splits.holdout_split(data.table, "source", [src])
            for tag in cfg.get("leave_source_out_models", ["shipped"]):
                mcfg = cfg["shipped"] if tag == "shipped" else cfg["baselines"][tag]
                t0 = time.time()
                log(f"  leave-source-out {src}: {tag} on {len(ltr)} clips")
                feats, y, idx = training_set(data, mcfg, cfg, ltr, n_var)
                model = fit(mcfg, feats, y, idx, cfg["seed"],
                            epochs=max(mcfg["epochs"] * 2 // 3, 1), log=log)
                model.save(out_dir / f"lso_{src}_{tag}.keras")
                done[f"lso_{src}_{tag}"] = {"seconds": round(time.time() - t0, 1)}
    if not smoke and cfg.get("search"):
        # The candidates the selection rule compares (the card's selection table), on the same split.
        from .audio_search import run as run_search

        tags = list(cfg["search"]["candidates"]) + list(cfg["baselines"])
        done["search"] = sorted(run_search(cfg, tags, retrain=True, log=log))
    (out_dir / "train_log.json").write_text(json.dumps(done, indent=2))
    return done
