"""Pictures beyond the face pool, for the verdict card: the whole-image model's out-of-fold scores
(runs/aigen/oof.json, written by `fakescope evaluate aigen`) joined with the shipped face detector run through
its serving path on the same file, then routed as server/checks.py routes (a picture whose face fills it is not
shown to the whole-image model).

  scene, content-matched       the content-matched AI/human collection's pictures (scored by the collection
                               fold that held it out) on which the face detector finds no human face; pictures
                               with a face belong to the face model, which trained on that collection's faces
  picture, real collections    the real pictures of the offline collections no model trained on (wallpapers,
                               art, renders, screenshots, edited photos: training/aigen/data/offline_reals.py): reals
                               only, so their row reports the share called "likely manipulated"
"""
from __future__ import annotations

import json
from pathlib import Path

from fakescope.training.config import repo_root, shared_dir
from fakescope.training.verdict.data import manifest, result, routed

OOF = Path("runs") / "aigen" / "oof.json"
CONTENT_MATCHED = "collection fold"      # scored_by of the content-matched collection's rows
NEVER_TRAINED = "never trained on"


def _face_detector():
    from fakescope.server.checks import load_detectors

    dets, _ = load_detectors(repo_root() / "models")
    return next(d for d in dets if d.name == "face_manipulation")


def _face_result(det, path: Path) -> dict:
    from fakescope.server.detectors.base import Context
    from fakescope.server.media.types import Media

    return det.predict(Media("image", path, "0", path.stat().st_size), Context())


def served_scale(entry: dict):
    """oof.json's scores are calibrated as the world-like evaluation calibrated them (aigen_metrics.json,
    world[0]); the server bands the published calibration's scores: carry each score over when the two differ
    (both monotone in the head's raw probability)."""
    from fakescope.training.evaluation.bands import move_line

    metrics = json.loads((repo_root() / "models" / "cards" / "aigen_metrics.json").read_text())
    world = (metrics.get("world") or [{}])[0].get("calibration")
    served = entry.get("calibration")
    if world is None or world == served:
        return lambda score: score
    return lambda score: move_line(score, world, served)


def picture_items(log=print) -> dict[str, list[dict]]:
    """{content type: items}; empty when the aigen out-of-fold scores were not written yet."""
    oof = repo_root() / OOF
    if not oof.exists():
        log(f"  pictures: {oof} missing (run `fakescope evaluate aigen`): no scene rows")
        return {}
    rows = json.loads(oof.read_text())
    extra_root = str(repo_root() / ".cache" / "extra_reals")
    pick = {"scene, content-matched": [r for r in rows if r["scored_by"] == CONTENT_MATCHED],
            "picture, real collections": [r for r in rows if r["scored_by"] == NEVER_TRAINED
                                          and r["path"].startswith(extra_root)]}
    entry = manifest()["ai_image"]
    to_served = served_scale(entry)
    det = _face_detector()
    images = shared_dir() / "datasets" / "images"
    out: dict[str, list[dict]] = {}
    for content, chosen in pick.items():
        log(f"  pictures: {content}: face detector on {len(chosen)} pictures")
        for r in chosen:
            path = Path(r["path"]) if Path(r["path"]).is_absolute() else images / r["path"]
            face = _face_result(det, path)
            if content.startswith("scene") and face["applicable"]:
                continue   # a face picture: the face model trained on this collection's faces
            ai = result("ai_image", entry, to_served(r["score"]), None)
            out.setdefault(content, []).append({"kind": "image", "content": content, "collection": r["collection"],
                                                "label": int(r["label"]), "path": r["path"],
                                                "results": routed(face, ai)})
    return out
