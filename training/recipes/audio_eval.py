"""Evaluation of the audio models: scores on the leave-system-out validation split under the fixed
degradations, calibration (cross-fitted for the reported ECE), thresholds, per-system / per-source /
per-language tables, baselines and leave-source-out folds; then plots, card and manifest entry."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from server.calibration import apply as calibrate_apply

from .. import calibrate, metrics, publish, splits
from ..audio_data import AudioData
from ..config import limit_threads, repo_root, resolve_path


def predict(model, x: np.ndarray, batch: int = 64) -> np.ndarray:
    return model.predict(x.astype(np.float32), batch_size=batch, verbose=0).ravel().astype(np.float64)


def _load(path: Path):
    import keras

    return keras.saving.load_model(str(path), compile=False)


def cross_fitted(data: AudioData, va: np.ndarray, p_raw: np.ndarray, method: str, seed: int):
    """Calibrated validation scores where each half is calibrated with params fitted on the other half
    (so the reported ECE is not measured on the data the calibration was fitted to)."""
    a, b = splits.halves(data.table, va, seed=seed)
    pos = {v: i for i, v in enumerate(va)}
    ia, ib = np.array([pos[i] for i in a]), np.array([pos[i] for i in b])
    out = np.empty_like(p_raw)
    for fit_on, apply_to in ((ia, ib), (ib, ia)):
        params = calibrate.fit(p_raw[fit_on], data.y[va][fit_on], method)
        out[apply_to] = calibrate_apply(p_raw[apply_to], params)
    return out


def per_key_table(y, p, keys, thresholds) -> list[dict]:
    """Per value of `keys` (system, source, language): n, AUC/EER of its fakes vs ALL validation reals
    (for a fake system) or its own mix, and the share called fake at the upper threshold."""
    y, p, keys = np.asarray(y), np.asarray(p), np.asarray(keys, dtype=object)
    reals = y == 0
    rows = []
    for k in sorted(set(keys)):
        m = keys == k
        if y[m].min() == 1:  # fake-only value: against every validation real
            sel = m | reals
        else:
            sel = m
        e, _ = metrics.eer(y[sel], p[sel]) if len(set(y[sel])) == 2 else (float("nan"), None)
        rows.append({"key": k, "n": int(m.sum()), "n_fake": int(y[m].sum()),
                     "auc": metrics.roc_auc(y[sel], p[sel]) if len(set(y[sel])) == 2 else float("nan"),
                     "eer": e, "called_fake": float(np.mean(p[m] >= thresholds["upper"])),
                     "mean_score": float(p[m].mean())})
    return rows


def evaluate(cfg: dict, smoke: bool = False, model_path: str | Path | None = None,
             runs_dir: str | Path | None = None, out_dir: str | Path | None = None,
             write_manifest: bool | None = None) -> dict:
    """Measure the published model (or `model_path`) and write metrics JSON, plots, card and (unless
    smoke) the manifest entry."""
    from . import audio_card
    from .audio import primary_split

    limit_threads(cfg.get("threads", 2))
    write_manifest = (not smoke) if write_manifest is None else write_manifest
    root = repo_root()
    sm = cfg["smoke"] if smoke else {}
    runs = Path(runs_dir) if runs_dir else root / "runs" / (cfg["name"] + ("-smoke" if smoke else ""))
    out = Path(out_dir) if out_dir else (runs if smoke else root)
    card_path = out / cfg["card"] if not smoke else out / "card.md"
    plot_dir = out / cfg["plots"] if not smoke else out / "plots"
    model_file = Path(model_path) if model_path else (
        runs / "shipped.keras" if smoke else root / "models" / cfg["model_file"])
    data = AudioData(cfg, limit=sm.get("limit"))
    tr, va = primary_split(cfg, data)
    yv = data.y[va]
    conds = ("clean", "mp3_64k") if smoke else ("clean", "mp3_64k", "telephone_8k", "noise_20db", "lowpass_4k")
    spec = cfg["shipped"]["features"]
    model = _load(model_file)
    raw = {c: predict(model, data.eval_features([spec], c)[0][va]) for c in conds}
    method = cfg.get("calibration", "platt")
    params = calibrate.fit(raw["clean"], yv, method)
    cal = {c: calibrate_apply(raw[c], params) for c in conds}
    cal_cf = cross_fitted(data, va, raw["clean"], method, cfg["split"]["seed"])
    th = calibrate.pick_thresholds(yv, cal["clean"], **cfg.get("thresholds", {}))
    res = {"model": cfg["shipped"]["name"], "split": {"train": len(tr), "validation": len(va),
           "validation_fake": int(yv.sum()), "validation_systems": len(set(data.table["system"][va][yv == 1]))}}
    res["conditions"] = {c: metrics.summary(yv, cal[c], th["upper"]) for c in conds}
    res["calibration"] = {"params": params, "ece_raw": metrics.ece(yv, raw["clean"]),
                          "ece_cross_fitted": metrics.ece(yv, cal_cf),
                          "ece_in_sample": metrics.ece(yv, cal["clean"])}
    res["thresholds"] = th
    res["band_rates"] = calibrate.band_rates(yv, cal_cf, th)
    tab = {k: data.table[k][va] for k in ("system", "source", "language")}
    res["per_system"] = per_key_table(yv, cal["clean"], tab["system"], th)
    res["per_source"] = per_key_table(yv, cal["clean"], tab["source"], th)
    res["per_language"] = per_key_table(yv, cal["clean"], tab["language"], th)
    res["baselines"] = {}
    for tag, bcfg in ({} if smoke else cfg["baselines"]).items():
        f = runs / f"{tag}.keras"
        if f.exists():
            bm = _load(f)
            res["baselines"][tag] = {"name": bcfg["name"], **{
                c: metrics.summary(yv, predict(bm, data.eval_features([bcfg["features"]], c)[0][va]))
                for c in ("clean", "mp3_64k", "lowpass_4k")}}
    res["leave_source_out"] = _leave_source_out(cfg, data, runs, smoke)
    res["size_bytes"] = model_file.stat().st_size
    res["selection"] = _selection(runs, cfg)
    tried = [c.get("copy_synthesis") for c in cfg.get("search", {}).get("candidates", {}).values()]
    cs = cfg["shipped"].get("copy_synthesis") or next((t for t in tried if t), None)
    if cs:
        from .. import synth_audio

        used = np.isin(data.real_idx, tr)
        names = [synth_audio.setting_for(h, cs["settings"]) for h in data.table["sha256"][data.real_idx][used]]
        res["copy_synthesis"] = {"n": int(used.sum()), "per_setting": {n: names.count(n) for n in cs["settings"]},
                                 "settings": {n: synth_audio.SETTINGS[n] for n in cs["settings"]},
                                 "shipped": bool(cfg["shipped"].get("copy_synthesis"))}
    _plots(cfg, res, data, va, raw, cal, th, plot_dir)
    publish.write_metrics_json(runs / "metrics.json", res)
    if write_manifest:
        entry = publish.publish_manifest_entry(
            root / "models", cfg["model_key"], model_file=cfg["model_file"], version=cfg["version"],
            input_spec={**spec, "serving": cfg["serving"], "input_shape": list(model.input_shape[1:])},
            calibration=params, thresholds=th, metrics_=_headline(res),
            data_manifest=resolve_path(cfg["data"]["root"]) / cfg["data"].get("manifest", "MANIFEST.csv"),
            card=str(Path(cfg["card"]).relative_to("models").as_posix()),
            # every validation generator is unseen (leave-system-out), so the clean AUC is the held-out one
            heldout_auc=res["conditions"]["clean"]["auc"])
        res["manifest_entry"] = entry["sha256"]
        res["speed"] = _speed(root)  # needs the new manifest entry: the bench loads the served model
        publish.write_metrics_json(runs / "metrics.json", res)
    audio_card.write(cfg, res, card_path, plot_dir, data)
    return {"card": str(card_path), "eer_clean": res["conditions"]["clean"]["eer"],
            "eer_mp3_64k": res["conditions"]["mp3_64k"]["eer"],
            "ece_cross_fitted": round(res["calibration"]["ece_cross_fitted"], 4), "thresholds": th}


def _speed(root: Path, runs: int = 5) -> dict:
    """bench/audio_speed.py on 60 s of speech (median of `runs` end-to-end detector calls)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("audio_speed", root / "bench" / "audio_speed.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.measure(60.0, runs)


def _selection(runs: Path, cfg: dict) -> dict:
    """Measured candidates from training.recipes.audio_search (runs/<name>/search.json), if run."""
    import json

    f = runs / "search.json"
    if not f.exists():
        return {}
    from .audio_search import choose, eligible, passes_bandwidth_check

    res = json.loads(f.read_text())
    drop = cfg.get("search", {}).get("max_lowpass_auc_drop", 0.05)
    for tag, r in res.items():
        model = runs / (f"{tag}.keras" if tag in cfg["baselines"] else f"search_{tag}.keras")
        if model.exists():  # measured now: the file the row was scored with
            r["size_bytes"] = model.stat().st_size
        r["passes_bandwidth_check"] = passes_bandwidth_check(r, drop)
        r["eligible"] = eligible(r, cfg)
    return {"candidates": res, "chosen": choose(res, cfg)}


def _headline(res: dict) -> dict:
    c = res["conditions"]
    out = {"split": "leave-system-out (component split, seed in config)",
           "eer_clean": c["clean"]["eer"], "auc_clean": c["clean"]["auc"],
           "ece_cross_fitted": round(res["calibration"]["ece_cross_fitted"], 4)}
    for k in c:
        out[f"eer_{k}"] = c[k]["eer"]
    lso = res.get("leave_source_out", {})
    for src, r in lso.items():
        if "shipped" in r:
            out[f"lso_{src}_auc"] = r["shipped"]["clean"]["auc"]
    return out


def _leave_source_out(cfg: dict, data: AudioData, runs: Path, smoke: bool) -> dict:
    """AUC/EER of each leave-source-out model on its held-out source (clean and MP3 64 kb/s)."""
    out = {}
    if smoke:
        return out
    for src in cfg.get("leave_source_out", []):
        _, lva, dropped = splits.holdout_split(data.table, "source", [src])
        row = {"n": int(len(lva)), "n_fake": int(data.y[lva].sum()), "dropped_from_train": int(len(dropped))}
        for tag in ("shipped", "mfcc_cnn1d"):
            f = runs / f"lso_{src}_{tag}.keras"
            if not f.exists():
                continue
            mcfg = cfg["shipped"] if tag == "shipped" else cfg["baselines"][tag]
            m = _load(f)
            row[tag] = {c: metrics.summary(data.y[lva], predict(m, data.eval_features([mcfg["features"]], c)[0][lva]))
                        for c in ("clean", "mp3_64k")}
        out[src] = row
    return out


def _plots(cfg, res, data, va, raw, cal, th, plot_dir: Path) -> None:
    yv = data.y[va]
    curves = {f"shipped {c}": (yv, cal[c]) for c in cal}
    publish.plot_roc_det(curves, plot_dir / "roc_det.png", "audio_speech, leave-system-out validation")
    publish.plot_confusion(yv, cal["clean"], th["upper"], plot_dir / "confusion.png", "clean, upper threshold")
    publish.plot_calibration(yv, raw["clean"], cal["clean"], plot_dir / "calibration.png", "calibration (clean)")
    publish.plot_score_histograms(cal["clean"], yv, data.table["system"][va], plot_dir / "systems.png",
                                  "calibrated score per system (largest 16)")
    publish.plot_score_histograms(cal["clean"], yv, data.table["source"][va], plot_dir / "sources.png",
                                  "calibrated score per source")
