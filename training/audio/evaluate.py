"""Evaluation of the speech detector v2: every head of the config on leave-one-source-out folds (and the
shipped one on leave-one-generator-family-out), calibration on pooled out-of-fold scores, thresholds,
shortcut checks, the in-the-wild mirror test, the quality invariant, the speech gate, speed; then plots,
card and manifest entry. Nothing here is typed by hand."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from fakescope.server.calibration import apply as calibrate_apply

from fakescope.training.evaluation import calibrate, measure, metrics, publish
from fakescope.training.audio import candidates
from fakescope.training.audio.data import AudioData, variants
from fakescope.training.audio.features import features, gate_kind
from fakescope.training.audio.shortcuts import quality_auc, quality_table, training_weights
from fakescope.training.config import limit_threads, repo_root, resolve_path
from fakescope.training.audio import folds




def summary(rows: list[dict]) -> dict:
    a = np.array([r["auc"] for r in rows if r["auc"] == r["auc"]])
    if not len(a):
        return {"mean": float("nan"), "worst": float("nan"), "worst_fold": None, "n_folds": 0}
    return {"mean": float(a.mean()), "worst": float(a.min()),
            "worst_fold": min(rows, key=lambda r: r["auc"] if r["auc"] == r["auc"] else 9)["fold"], "n_folds": len(a)}


def in_the_wild(cfg: dict, data: AudioData, scores: np.ndarray) -> dict:
    """The held-out failure mirrored: genuine in-the-wild reals (their own noise and codecs) vs the clean
    generated TTS reading their transcripts, and vs that TTS degraded (out-of-fold scores)."""
    wild = np.isin(data.table["source"], cfg["in_the_wild_sources"])
    reals = wild & (data.y == 0) & ~data.generated
    fakes = wild & data.generated
    if not reals.any() or not fakes.any():
        return {}
    s0 = scores[0]
    deg = scores[1:, fakes].ravel() if len(scores) > 1 else np.array([])
    out = {"n_real": int(reals.sum()), "n_fake": int(fakes.sum()),
           "auc_clean_tts": metrics.roc_auc(np.r_[np.zeros(reals.sum()), np.ones(fakes.sum())], np.r_[s0[reals], s0[fakes]]),
           "mean_real": float(s0[reals].mean()), "mean_tts_clean": float(s0[fakes].mean())}
    if deg.size:
        out["auc_degraded_tts"] = metrics.roc_auc(np.r_[np.zeros(reals.sum()), np.ones(deg.size)], np.r_[s0[reals], deg])
        out["mean_tts_degraded"] = float(deg.mean())
    out["passes"] = out["auc_clean_tts"] > 0.5 and out["mean_tts_clean"] > out["mean_real"]
    return out


def previous_on_mirror(cfg: dict, data: AudioData) -> dict:
    """v1 (the Keras spectrogram CNN, never trained on the in-the-wild reals or the generated TTS) on the
    in-the-wild mirror test: genuinely held out for it. Needs the v1 file at cfg["previous"]["model"]
    (see "model_from"); skipped when absent."""
    prev = cfg.get("previous", {})
    path = repo_root() / prev.get("model", "-")
    if not prev.get("model") or not path.exists():
        return {}
    import keras

    from fakescope.server.features import audio as logspec_feats

    model = keras.saving.load_model(str(path), compile=False)
    wild = np.isin(data.table["source"], cfg["in_the_wild_sources"])
    reals = np.flatnonzero(wild & (data.y == 0) & ~data.generated)
    waves = data.waves()
    fam = data.table["family"]

    def scores(idx, w):
        x = np.stack([logspec_feats.extract(w[i], prev["features"]) for i in idx])
        return model.predict(x, batch_size=64, verbose=0).ravel()

    sr = scores(reals, waves)
    out = {"n_real": len(reals), "mean_real": float(sr.mean()), "per_family": {}}
    for f in sorted(set(fam[wild & data.generated])):
        idx = np.flatnonzero(wild & data.generated & (fam == f))
        sf = scores(idx, waves)
        out["per_family"][f] = {"n": len(idx), "mean": float(sf.mean()),
                                "auc": metrics.roc_auc(np.r_[np.zeros(len(sr)), np.ones(len(sf))], np.r_[sr, sf])}
    return out


def per_key(y, p, keys) -> list[dict]:
    rows = []
    keys = np.asarray(keys, dtype=object)
    for k in sorted(set(keys)):
        m = keys == k
        both = len(set(y[m])) == 2
        rows.append({"key": str(k), "n": int(m.sum()), "n_fake": int(y[m].sum()),
                     "auc": metrics.roc_auc(y[m], p[m]) if both else float("nan"), "mean_score": float(p[m].mean())})
    return rows


def evaluate(cfg: dict, smoke: bool = False, model_path: str | Path | None = None,
             runs_dir: str | Path | None = None, out_dir: str | Path | None = None,
             write_manifest: bool | None = None, log=print) -> dict:
    from fakescope.training.audio import card as audio_card

    limit_threads(cfg.get("threads", 2))
    write_manifest = (not smoke) if write_manifest is None else write_manifest
    root = repo_root()
    runs = Path(runs_dir) if runs_dir else root / "runs" / (cfg["name"] + ("-smoke" if smoke else ""))
    out = Path(out_dir) if out_dir else (runs if smoke else root)
    card_path = out / cfg["card"] if not smoke else out / "card.md"
    plot_dir = out / cfg["plots"] if not smoke else out / "plots"
    model_file = Path(model_path) if model_path else (runs / cfg["model_file"] if smoke else root / "models" / cfg["model_file"])
    sm = cfg["smoke"] if smoke else {}
    data = AudioData(cfg, limit=sm.get("limit"), log=log)
    nv, seed = variants(cfg, smoke), cfg["augment"]["seed"]
    y = data.y
    weights = training_weights(cfg, data, nv)
    res = {"data": {"clips": len(data), "dataset": data.n_dataset, "generated": int(data.generated.sum()),
                    "fake": int(y.sum()), "variants": nv + 1,
                    "generated_per_family": {f: int(((data.table["family"] == f) & data.generated).sum())
                                             for f in sorted(set(data.table["family"][data.generated]))}}}
    heads = [cfg["shipped"]] if smoke else list(cfg["heads"])
    res["heads"], oof = {}, {}
    for tag in heads:
        h = cfg["heads"][tag]
        feats = features(data, h["features"], nv, seed)
        hw = weights if h.get("quality_balance", True) else None
        r = folds.heldout_scores(cfg, data, feats, h["head"], "source", weights=hw, log=log)
        rows = folds.fold_rows(y, r["scores"], r["fold"], r["fold_names"], data.generated)
        if tag == cfg["shipped"]:  # how much each fold's figure could move with other clips of its kind
            for row in rows:
                m = r["fold"] == row["fold"]
                row["auc_interval"] = metrics.auc_interval(y[m], r["scores"][0, m])
        oof[tag] = r["scores"]
        res["heads"][tag] = {"name": h["name"], "folds": rows, **summary(rows),
                             "dataset_fakes": summary([x for x in rows if x["n_fake"] > x["n_generated"]]),
                             "shortcut": folds.shortcut_checks(y, r["scores"])}
        if tag == cfg["shipped"] or not (smoke or h.get("source_folds_only")):
            fr = folds.heldout_scores(cfg, data, feats, h["head"], "family", weights=hw, log=log)
            fam_rows = folds.family_rows(y, fr)
            res["heads"][tag]["families"] = fam_rows
            res["heads"][tag]["family_summary"] = summary(fam_rows)
        log(f"  {tag}: leave-one-source-out mean {res['heads'][tag]['mean']:.3f} worst {res['heads'][tag]['worst']:.3f}")
    fold_names = folds.fold_of(cfg, data.table, y, min_per_class=1 if len(y) < 200 else None)
    res["fold_members"] = {f: sorted(set(data.table["source"][fold_names == f])) for f in sorted(set(fold_names))}
    ship = cfg["shipped"]
    s = oof[ship]  # leave-one-source-out scores: the in-the-wild mirror test reads them (generated rows included)
    # the shared fold kinds: the shipped candidate on every kind + the cloning fold, the others on the collection folds
    res["fold_kinds"], kept = candidates.measure_candidate(cfg, data, cfg["shipped_candidate"], kinds=measure.KINDS,
                                                           smoke=smoke, log=log)
    res["candidates"] = {n: res["fold_kinds"] if n == cfg["shipped_candidate"] else
                         candidates.measure_candidate(cfg, data, n, smoke=smoke, log=log)[0]
                         for n in ([] if smoke else cfg["candidates"])}
    res["candidate_rule"] = {n: candidates.replaces(r, res["candidates"][cfg["previous_candidate"]])
                             for n, r in res["candidates"].items() if n != cfg["previous_candidate"]}
    o = candidates.out_of_fold(cfg, data, kept)
    publish.write_metrics_json(runs / "oof.json", o["clips"])
    yo, params, cal = data.y[o["rows"]], o["params"], o["calibrated"]
    th = {"lower": o["bands"]["lower"] if o["bands"]["lower"] is not None else 0.0,  # 0 / 1: that band is never said
          "upper": o["bands"]["upper"] if o["bands"]["upper"] is not None else 1.0}
    res["oof"] = {k: o[k] for k in ("method", "auc_pooled", "bands")} | {"n": len(yo), "per_collection": per_collection(
        yo, cal, data.table["source"][o["rows"]])}
    res["calibration"] = {"params": params, "ece_raw": o["ece_raw"],
                          "ece_in_sample": metrics.ece(yo, calibrate_apply(o["raw"], params)),
                          "ece_cross_fitted": o["ece_cross_fitted"], "compared": o["ece_compared"],
                          "rule": "lowest_cross_fitted_ece"}
    res["thresholds"] = th
    res["band_rates"] = calibrate.band_rates(yo, cal, th)
    res["pooled_clean"] = metrics.summary(yo, cal, th["upper"])
    res["in_the_wild"] = in_the_wild(cfg, data, s)
    res["wild_reals"] = wild_reals(cfg, data, s[0], params, o["bands"])
    if not smoke:
        res["in_the_wild"]["previous"] = previous_on_mirror(cfg, data)
        wild = np.isin(data.table["source"], cfg["in_the_wild_sources"])
        reals = wild & (y == 0) & ~data.generated
        res["in_the_wild"]["per_family"] = {
            f: {"auc": metrics.roc_auc(np.r_[np.zeros(reals.sum()), np.ones(m.sum())], np.r_[s[0, reals], s[0, m]]),
                "mean": float(s[0, m].mean()), "n": int(m.sum())}
            for f in sorted(set(data.table["family"][wild & data.generated]))
            for m in [wild & data.generated & (data.table["family"] == f)]}
    res["per_language"] = per_key(yo, cal, data.table["language"][o["rows"]])
    res["per_origin"] = per_key(yo, cal, data.table["family"][o["rows"]])
    q = quality_table(data, nv, seed)
    qy, qg = np.tile(y, nv + 1), np.tile(data.table["group"], nv + 1)
    res["quality_invariant"] = {"auc_clean_only": quality_auc(q[0], y, data.table["group"]),
                                "auc_all_variants": quality_auc(np.concatenate(q), qy, qg)}
    if weights is not None:
        res["quality_invariant"]["auc_all_variants_weighted"] = quality_auc(np.concatenate(q), qy, qg, weights)
    _, res["gate"] = folds.gate_figures(cfg, data, features(data, gate_kind(cfg), nv, seed), smoke, log=log)
    prev = cfg.get("previous", {})
    new_on_prev = {r["fold"]: r["auc"] for r in res["heads"][ship]["folds"] if r["fold"] in prev.get("leave_source_out_auc", {})}
    res["previous"] = {**prev, "new_on_same_folds": new_on_prev,
                       "replaces": bool(new_on_prev) and np.mean(list(new_on_prev.values())) > np.mean(
                           [prev["leave_source_out_auc"][k] for k in new_on_prev])}
    if prev.get("row") in res["heads"]:  # v1's recipe retrained on every fold of this card: the rule reads it
        row = res["heads"][prev["row"]]
        res["previous"]["row_summary"] = {"mean": row["mean"], "worst": row["worst"], "n_folds": len(row["folds"])}
        res["previous"]["replaces"] = res["previous"]["replaces"] and res["heads"][ship]["mean"] > row["mean"]
    res["size_bytes"] = model_file.stat().st_size
    _plots(res, yo, o["raw"], cal, data.table["source"][o["rows"]], th, plot_dir, cfg["version"])
    publish.write_metrics_json(runs / "metrics.json", res)
    hs = res["heads"][ship]
    if write_manifest:
        res["published"] = measure.publish_model(
            cfg, res["fold_kinds"], card=Path(cfg["card"]).name, applies="audio, video soundtrack",
            looks_for=f"synthetic, converted or vocoded speech (Whisper tiny.en encoder{_depth(_spec())} + LFCC "
                      "statistics, linear head)", fmt="npz",
            input_spec={**_spec(), "serving": cfg["serving"], "gate_threshold": cfg["gate"]["threshold"]},
            calibration=params, thresholds=th, metrics_=_headline(res, ship),
            content_roles=candidates.content_role(res["fold_kinds"], o),
            data_manifest=resolve_path(cfg["data"]["root"]) / cfg["data"].get("manifest", "MANIFEST.csv"))
        res["speed"] = _speed(root)
        publish.write_metrics_json(runs / "metrics.json", res)
    audio_card.write(cfg, res, card_path, plot_dir, data)
    head = res["fold_kinds"]["headline"]
    return {"card": str(card_path), "heldout_auc": head["mean"] and round(head["mean"], 4),
            "heldout_worst_auc": head["worst"] and round(head["worst"], 4),
            "loso_mean_auc": round(hs["mean"], 4), "loso_worst_auc": round(hs["worst"], 4),
            "ece_cross_fitted": round(res["calibration"]["ece_cross_fitted"], 4), "thresholds": th}


def _depth(spec: dict) -> str:
    k = spec.get("encoder_layers")
    return f", first {k} layers" if k else ""


def _spec() -> dict:
    from fakescope.server.features.speech import SPEECH_SPEC

    return dict(SPEECH_SPEC)


def _headline(res: dict, ship: str) -> dict:
    h = res["heads"][ship]
    out = {"split": "leave-one-source-out (every source; one-class sources grouped)",
           "loso_mean_auc": round(h["mean"], 4), "loso_worst_auc": round(h["worst"], 4),
           "lofo_mean_auc": round(h["family_summary"]["mean"], 4), "lofo_worst_auc": round(h["family_summary"]["worst"], 4),
           "ece_cross_fitted": round(res["calibration"]["ece_cross_fitted"], 4),
           "pooled_oof_auc": round(res["pooled_clean"]["auc"], 4), "eer_pooled_oof": round(res["pooled_clean"]["eer"], 4)}
    for r in h["folds"]:
        out[f"loso_{r['fold']}"] = round(r["auc"], 4)
    if res.get("in_the_wild"):
        out["in_the_wild_auc_clean_tts"] = round(res["in_the_wild"]["auc_clean_tts"], 4)
    return out


def _speed(root: Path, runs: int = 7) -> dict:
    """bench/audio_speed.py in a fresh process (as a user runs it: this process's BLAS thread pools, still
    spinning after the fits, would otherwise compete with the encoder)."""
    import json
    import subprocess
    import sys

    out = subprocess.run([sys.executable, str(root / "bench" / "audio_speed.py"), "--runs", str(runs)],
                         capture_output=True, text=True, check=True, timeout=600).stdout
    return json.loads(out[out.index("{"):])


def wild_reals(cfg: dict, data: AudioData, loso: np.ndarray, params: dict, b: dict) -> list[dict]:
    """Per in-the-wild real source (phone calls, podcasts, noisy rooms: reals with no fakes beside them, so no
    collection fold): its clips' leave-one-source-out scores, calibrated, against the verdict bands."""
    out = []
    for src in cfg["in_the_wild_sources"]:
        m = (data.table["source"] == src) & (data.y == 0) & ~data.generated & ~np.isnan(loso)
        if m.any():
            p = calibrate_apply(loso[m], params)
            out.append({"source": src, "n": int(m.sum()), "median": float(np.median(p)),
                        "called_fake": float(np.mean(p >= b["upper"])) if b["upper"] is not None else 0.0,
                        "called_real": float(np.mean(p <= b["lower"])) if b["lower"] is not None else 0.0})
    return out


def per_collection(y, p, coll) -> list[dict]:
    """Per collection: its reals' and fakes' calibrated out-of-fold scores (median, 90th / 10th percentile)."""
    out = []
    for c in dict.fromkeys(coll):
        m = coll == c
        r, f = p[m & (y == 0)], p[m & (y == 1)]
        out.append({"collection": str(c), "n_real": len(r), "n_fake": len(f), "auc": metrics.roc_auc(y[m], p[m]),
                    "real_median": float(np.median(r)), "real_p90": float(np.percentile(r, 90)),
                    "fake_median": float(np.median(f)), "fake_p10": float(np.percentile(f, 10))})
    return out


def _plots(res, y, raw, cal, coll, th, plot_dir: Path, version: str) -> None:
    what = f"audio_speech {version}, collection folds (pooled out-of-fold)"
    publish.plot_roc_det({"out-of-fold clean": (y, raw)}, plot_dir / "roc_det.png", what)
    publish.plot_confusion(y, cal, th["upper"], plot_dir / "confusion.png", "out-of-fold, upper threshold")
    publish.plot_calibration(y, raw, cal, plot_dir / "calibration.png", "calibration (" + what + ")")
    publish.plot_score_histograms(cal, y, coll, plot_dir / "sources.png",
                                  "calibrated out-of-fold score per collection (largest 16)")
