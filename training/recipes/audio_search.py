"""Model selection for the shipped audio model, on the SAME leave-system-out split as the card.

Each candidate in the config's "search" section (overrides of the "shipped" model config) is
trained exactly as train() would train it and scored, uncalibrated, on the validation split under
clean, MP3 64 kb/s and low-pass-4 kHz audio. The lowpass_4k row is the bandwidth-shortcut check: a
candidate whose AUC drops there by more than `max_lowpass_auc_drop` is measuring bandwidth and is
rejected. The results (runs/audio/search.json) feed the card's selection table, so the choice of
the shipped model is documented by measured numbers.

    python -m training.recipes.audio_search [TAG ...]     # default: every candidate in the config
"""
from __future__ import annotations

import json
import sys
import time

from .. import metrics
from ..audio_data import AudioData
from ..config import limit_threads, load_config, repo_root

CONDITIONS = ("clean", "mp3_64k", "lowpass_4k")


def candidate_config(cfg: dict, tag: str) -> dict:
    if tag in cfg["baselines"]:  # reference baselines compete too (their train() models are scored)
        return cfg["baselines"][tag]
    over = cfg["search"]["candidates"][tag]
    out = {**cfg["shipped"], **{k: v for k, v in over.items() if k != "features"}}
    out["features"] = {**cfg["shipped"]["features"], **over.get("features", {})}
    if over.get("copy_synthesis") is None and "copy_synthesis" in over:
        out.pop("copy_synthesis", None)
    return out


def score(model, data: AudioData, mcfg: dict, va) -> dict:
    from .audio_eval import predict

    return {c: metrics.summary(data.y[va], predict(model, data.eval_features([mcfg["features"]], c)[0][va]))
            for c in CONDITIONS}


def run(cfg: dict, tags: list[str], retrain: bool = False, log=print) -> dict:
    from .audio import fit, primary_split, training_set

    limit_threads(cfg.get("threads", 2))
    runs = repo_root() / "runs" / cfg["name"]
    runs.mkdir(parents=True, exist_ok=True)
    out_json = runs / "search.json"
    results = json.loads(out_json.read_text()) if out_json.exists() else {}
    data = AudioData(cfg)
    tr, va = primary_split(cfg, data)
    n_var = cfg["augment"]["variants"]
    for tag in tags:
        mcfg = candidate_config(cfg, tag)
        t0 = time.time()
        path = runs / (f"{tag}.keras" if tag in cfg["baselines"] else f"search_{tag}.keras")
        feats, y, idx = training_set(data, mcfg, cfg, tr, n_var)
        if path.exists() and (not retrain or tag in cfg["baselines"]):  # already trained with this config: only (re)score it
            import keras

            model = keras.saving.load_model(str(path), compile=False)
        else:
            log(f"candidate {tag}: {len(idx)} training clips ({int(y[idx].sum())} fake)")
            model = fit(mcfg, feats, y, idx, cfg["seed"], log=log)
            model.save(path)
            results.setdefault(tag, {})["train_seconds"] = round(time.time() - t0, 1)
        r = {**results.get(tag, {}), **score(model, data, mcfg, va)}
        r["n_train"] = int(len(idx))
        r["n_train_fake"] = int(y[idx].sum())
        r["size_bytes"] = path.stat().st_size
        r["config"] = mcfg
        results[tag] = r
        out_json.write_text(json.dumps(results, indent=2, default=float))
        log(f"  {tag}: " + ", ".join(f"{c} AUC {r[c]['auc']:.3f} EER {r[c]['eer']:.3f}" for c in CONDITIONS))
    return results


def passes_bandwidth_check(r: dict, max_drop: float) -> bool:
    return r["clean"]["auc"] - r["lowpass_4k"]["auc"] <= max_drop


def eligible(r: dict, cfg: dict) -> bool:
    """Passes the low-pass-4 kHz shortcut check and the model-file size target."""
    s = cfg.get("search", {})
    return (passes_bandwidth_check(r, s.get("max_lowpass_auc_drop", 0.05))
            and r.get("size_bytes", 0) <= s.get("max_size_mb", 10.0) * 1e6)


def choose(results: dict, cfg: dict) -> str | None:
    """The rule (fixed in the brief before any candidate was scored): lowest clean leave-system-out
    EER among eligible candidates; ties broken by higher clean AUC."""
    ok = [t for t, r in results.items() if eligible(r, cfg)]
    return min(ok, key=lambda t: (results[t]["clean"]["eer"], -results[t]["clean"]["auc"])) if ok else None


def main(argv: list[str]) -> int:
    cfg = load_config("audio")
    tags = argv or list(cfg["search"]["candidates"])
    run(cfg, tags)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
