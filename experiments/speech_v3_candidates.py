"""Issue 24: the speech model's candidates (training/configs/audio.json "candidates") on the same collection
folds and cloning fold (training/evaluation, via training/audio/studies/candidates.py), against v2's recipe on its own
pool; the issue's rule (collection-fold mean higher AND worst not lower) for each. Candidates naming
"copysynth" read the pool with the copy-synthesis fakes added (training.tts.copysynth; the same test rows, so
the same folds); the others read it without them. Every fold's scores are
cached (.cache/audio_candidate_folds), so a rerun only fits what changed.

    OMP_NUM_THREADS=1 nice -n 10 python experiments/speech_v3_candidates.py [--only v2,v3_pool]

Writes experiments/speech_v3_candidates.md (and runs/audio/candidates.json)."""
from __future__ import annotations

import argparse
import json
import time

from fakescope.training.audio.studies import candidates
from fakescope.training.audio.data import AudioData
from fakescope.training.config import load_config, repo_root
from fakescope.training.evaluation.publish import md_table, num


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="", help="comma-separated candidate names (default: all of the config)")
    args = ap.parse_args()
    cfg = load_config("audio")
    names = [n for n in cfg["candidates"] if not args.only or n in args.only.split(",")]
    data = AudioData(cfg, copysynth={"enabled": False})
    cs = {**cfg.get("copysynth", {}), "enabled": True}
    with_cs = AudioData(cfg, copysynth=cs) if any("copysynth" in cfg["candidates"][n] for n in names) else None
    out, seconds = {}, {}
    for n in names:
        t0 = time.time()
        d = with_cs if "copysynth" in cfg["candidates"][n] else data
        out[n], _ = candidates.measure_candidate(cfg, d, n, log=lambda *_: None)
        seconds[n] = round(time.time() - t0, 1)
        h = out[n]["kinds"]["collection"]
        print(f"{n}: collection mean {h['mean']:.3f} worst {h['worst']:.3f} ({h['worst_fold']}), "
              f"cloning {out[n]['kinds'].get('cloning', {}).get('mean')}, {seconds[n]} s", flush=True)
    folds = [(r["kind"], r["fold"], r["n_real"], r["n_fake"]) for r in out[names[0]]["folds"]]
    auc = {n: {(r["kind"], r["fold"]): r["auc"] for r in out[n]["folds"]} for n in names}
    rows = [[k, f, nr, nf, *[num(auc[n].get((k, f))) for n in names]] for k, f, nr, nf in folds]
    for label, field in (("**collection mean**", "mean"), ("**collection worst**", "worst")):
        rows.append([label, "", "", "", *[f"**{num(out[n]['kinds']['collection'][field])}**" for n in names]])
    base = "v2" if "v2" in out else names[0]
    rule = [f"- `{n}` vs `{base}`: rule {'MET' if candidates.replaces(out[n], out[base]) else 'not met'}"
            for n in names if n != base]
    ship = cfg.get("shipped_candidate")
    if ship in out:  # what a replacement of the shipped model must beat
        rule += [f"- `{n}` vs `{ship}` (shipped): rule {'MET' if candidates.replaces(out[n], out[ship]) else 'not met'}"
                 for n in names if n not in (base, ship)]
    text = ["# Speech detector v3 candidates on the collection folds (issue 24)", "",
            "_Written by `OMP_NUM_THREADS=1 nice -n 10 python experiments/speech_v3_candidates.py`._", "",
            "\n".join(f"- `{n}`: {cfg['candidates'][n]['name']} ({seconds[n]} s this run)" for n in names), "",
            md_table(["kind", "held-out fold", "reals", "fakes", *[f"AUC `{n}`" for n in names]], rows), "",
            "Replacement rule (collection-fold mean higher AND worst collection fold not lower):", *rule, ""]
    (repo_root() / "experiments" / "speech_v3_candidates.md").write_text("\n".join(text))
    (repo_root() / "runs" / "audio").mkdir(parents=True, exist_ok=True)
    (repo_root() / "runs" / "audio" / "candidates.json").write_text(json.dumps(out, indent=1, default=str))


if __name__ == "__main__":
    main()
