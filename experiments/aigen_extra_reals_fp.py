"""How often does the SHIPPED AI-image detector (aigen-2.0, no retraining) call real pictures of kinds it
never saw "likely manipulated"? (issue 25, part 1: data and measurement)

The pictures are the offline real collections of training/aigen/data/offline_reals.py (Debian wallpapers, the
GIMP manual, scikit-image / matplotlib sample pictures; fetched on demand into .cache/extra_reals/). Each
file goes through the serving path: the detector is built from models/manifest.json as the server builds
it (modelstore.load_model + AIImageDetector) and `predict` gets the file as a Media, so it sees exactly
what an upload does (decode with EXIF, min-side check, one CLIP call, head, calibration, bands).

    nice -n 5 python experiments/aigen_extra_reals_fp.py     # ~4 min on 2 shared CPUs, 534 pictures

prints, per collection and per kind: pictures, share called likely manipulated (score >= the manifest's
upper threshold), uncertain, likely authentic, median and p90 score, and the highest-scored files; writes
the same tables to experiments/aigen_extra_reals_fp.md and every file's score to
.cache/extra_reals/scores.csv (not committed). --collections a,b limits the run.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import platform
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from fakescope.server import modelstore
from fakescope.server.detectors.ai_image import AIImageDetector
from fakescope.server.detectors.base import Context
from fakescope.server.media.types import Media
from fakescope.training.aigen.data import offline_reals as extra_reals
from fakescope.training.config import repo_root

OUT_MD = Path(__file__).with_name("aigen_extra_reals_fp.md")


def shipped_detector(models_dir: Path) -> tuple[AIImageDetector, dict]:
    entry = modelstore.read_manifest(models_dir)["ai_image"]
    return AIImageDetector(modelstore.load_model(models_dir, "ai_image", entry), entry), entry


def as_media(path: Path) -> Media:
    data = path.read_bytes()
    return Media(kind="image", path=path, sha256=hashlib.sha256(data).hexdigest(), size_bytes=len(data))


def summary(rows: list[dict]) -> dict:
    scored = [r for r in rows if r["verdict"] != "not_applicable"]
    s = np.array([r["score"] for r in scored], float)
    n = len(scored)
    share = {v: (sum(r["verdict"] == v for r in scored) / n if n else float("nan"))
             for v in ("likely_fake", "uncertain", "likely_real")}
    return {"n": len(rows), "scored": n, **share,
            "median": float(np.median(s)) if n else float("nan"),
            "p90": float(np.percentile(s, 90)) if n else float("nan")}


def table(groups: dict[str, list[dict]], first: str, extra: dict[str, str] | None = None) -> list[str]:
    head = f"| {first} |" + (" kind | suggested role |" if extra else "") + \
        " pictures | likely manipulated | uncertain | likely authentic | median score | p90 score |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for name, rows in groups.items():
        m = summary(rows)
        cells = [name] + (extra[name].split("\t") if extra else []) + [
            f"{m['scored']}" + (f" (+{m['n'] - m['scored']} n/a)" if m["n"] > m["scored"] else ""),
            f"{100 * m['likely_fake']:.1f} %", f"{100 * m['uncertain']:.1f} %", f"{100 * m['likely_real']:.1f} %",
            f"{m['median']:.3f}", f"{m['p90']:.3f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--collections", help="comma-separated collection names (default: all)")
    ap.add_argument("--top", type=int, default=12, help="highest-scored files to list")
    args = ap.parse_args()
    chosen = args.collections.split(",") if args.collections else None
    pics = extra_reals.pictures(collections=chosen)
    models = repo_root() / "models"
    det, entry = shipped_detector(models)
    upper, lower = entry["thresholds"]["upper"], entry["thresholds"]["lower"]
    det.warmup()
    rows, t0 = [], time.perf_counter()
    for i, p in enumerate(pics):
        out = det.predict(as_media(p.path), Context())
        rows.append({"collection": p.collection, "kind": p.kind, "package": p.package,
                     "file": p.path.relative_to(extra_reals.default_cache()).as_posix(),
                     "verdict": out["verdict"], "score": out.get("score")})
        if (i + 1) % 100 == 0:
            print(f"  {i + 1}/{len(pics)} pictures, {time.perf_counter() - t0:.0f} s", flush=True)
    secs = time.perf_counter() - t0

    by_coll = {c.name: [r for r in rows if r["collection"] == c.name] for c in extra_reals.COLLECTIONS
               if any(r["collection"] == c.name for r in rows)}
    kinds = sorted({r["kind"] for r in rows})
    by_kind = {k: [r for r in rows if r["kind"] == k] for k in kinds}
    roles = {c.name: f"{c.kind}\t{c.role}" for c in extra_reals.COLLECTIONS}
    role_of = {c.name: c.role for c in extra_reals.COLLECTIONS}
    by_role = {f"{r} collections": [x for x in rows if role_of[x["collection"]] == r] for r in ("train", "heldout")}
    top = sorted((r for r in rows if r["score"] is not None), key=lambda r: -r["score"])[: args.top]

    md = ["# Shipped AI-image detector on extra real pictures (false positives)", "",
          f"_Generated by `python experiments/aigen_extra_reals_fp.py` on "
          f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; do not edit by hand._", "",
          f"Detector: `{entry['file']}` ({entry['version']}), served as the server builds it from "
          f"`models/manifest.json`; each file through `AIImageDetector.predict` as an uploaded Media. "
          f"Bands: likely manipulated = score >= {upper:.4f} (the manifest's upper threshold), likely "
          f"authentic = score <= {lower:.4f}, uncertain between. Every picture here is REAL (made by people, "
          f"not by a generator): every 'likely manipulated' is a false positive. Pictures: "
          f"`training/aigen/data/offline_reals.py` (pinned Debian packages and PyPI wheels; collection, kind, licence "
          f"there and in docs/extra_reals.md). None of them was in aigen-2.0's training set.", "",
          "## Per collection", "", *table(by_coll, "collection", roles), "",
          "## Per kind", "", *table(by_kind, "kind"), "",
          "## By suggested role in v3", "",
          "The held-out collections are the unseen-kind false-positive check v3 should report on its card "
          "(these figures are aigen-2.0's, the baseline to beat); the train collections are candidate "
          "training reals.", "", *table({**by_role, "all": rows}, "set"), "",
          f"## The {len(top)} highest-scored real pictures", "", "| score | verdict | collection | file |",
          "|---|---|---|---|",
          *[f"| {r['score']:.3f} | {r['verdict']} | {r['collection']} | `{r['file'].split('/', 2)[-1]}` |"
            for r in top], "",
          f"{len(rows)} pictures in {secs:.0f} s ({1000 * secs / max(1, len(rows)):.0f} ms each: read, decode, "
          f"CLIP, head) on {platform.machine()} with other jobs sharing the CPUs.", ""]
    OUT_MD.write_text("\n".join(md))
    with open(extra_reals.default_cache() / "scores.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    print("\n".join(md))
    print(f"wrote {OUT_MD} and {extra_reals.default_cache() / 'scores.csv'}")


if __name__ == "__main__":
    main()
