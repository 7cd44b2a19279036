"""Held-out media per content type, each with the result every applicable detector would give it: a score
from a head that never saw the item (a collection fold's refit, or the shipped head on media outside its
training), calibrated, banded and given its role exactly as the server does (server.calibration, server.verdict).

  face_picture  the face model's collection folds (each collection refitted without its source and families,
                training.evaluation.folds) except the general set's portraits, which the whole-image model was
                trained on; the whole-image model's shipped score (it never saw these face sources)
  face_video    the DeepFaceLive clips (face model: each face-model group held out, from the face card's
                metrics), without a soundtrack, with a genuine voice and with a cloned voice: the voices are the
                2026-12-05 zero-shot pages' prompts and clones, with their out-of-fold speech results
  speech        those zero-shot clips: the speech evaluation's collection-fold out-of-fold scores
                (runs/audio/oof.json, written by `fakescope evaluate audio`)
Pictures beyond the face pool (scenes, real collections people share): training/verdict/pictures.py.
Every face picture the face model speaks for is routed away from the whole-image model, as the server does.
"""
from __future__ import annotations

import json

import numpy as np

from fakescope.server import calibration, modelstore
from fakescope.server.verdict import ROUTED_AWAY, advisory_for, band, face_speaks_for_picture, thresholds_for
from fakescope.training.config import load_config, repo_root, shared_dir

ZERO_SHOT_SINCE = "2026-12-05"


def result(name: str, entry: dict, score: float | None, content: str | None, reason: str = "", **extra) -> dict:
    """A detector's result as the server builds it (detectors/base.py), from a calibrated score: banded with
    the lines of its content type and given that type's role (server.verdict.thresholds_for / advisory_for)."""
    if score is None:
        return {"detector": name, "applicable": False, "score": None, "verdict": "not_applicable",
                "reason": reason or "not applicable", "advisory": advisory_for(entry, content), "evidence": []}
    th = thresholds_for(entry, content)
    # as the server does it (detectors/base.py): banded on the calibrated score, reported rounded to 4 decimals
    # (banding the rounded number moved a real voice at 0.99965 above a line at 0.99968)
    verdict = band(float(score), th["lower"], th["upper"])
    return {"detector": name, "applicable": True, "score": round(float(score), 4), "verdict": verdict,
            "reason": None, "advisory": advisory_for(entry, content), "content": content, "evidence": [], **extra}


def manifest() -> dict:
    return modelstore.read_manifest(repo_root() / "models")


def face_pictures(log=print) -> list[dict]:
    from fakescope.training.evaluation.folds import all_folds
    from fakescope.training.face import features as F
    from fakescope.training.face.heads import model_rows
    from fakescope.training.face.features import load_clips, training_frames

    cfg = load_config("face")
    aigen_sources = set(load_config("aigen")["sources"])
    data, feats = F.load_images(cfg, log=log)
    frames = training_frames(load_clips(cfg, "train_frames", log=log))
    rows = model_rows(data, feats, frames, cfg)
    man = manifest()
    face_entry, ai_entry = man["face_manipulation"], man["ai_image"]
    items = []
    for f in all_folds(rows.table, cfg["split"]["seed"]):
        if f.kind != "collection" or f.name in aigen_sources:
            continue
        raw = rows.fit_score(f.train, f.test, f.held_families)
        cal = calibration.apply(np.asarray(raw), face_entry.get("calibration"))
        log(f"  face collection {f.name}: {len(f.test)} pictures")
        for i, s in zip(f.test, cal):
            items.append({"kind": "image", "content": "face_picture", "collection": f.name,
                          "label": int(data["label"][i]), "path": str(data["path"][i]),
                          "results": [result("face_manipulation", face_entry, s, "face_picture",
                                             face_share=face_share(data["meta"][i]))]})
    ai_scores(items, ai_entry, log)
    return items


def face_share(meta) -> float:
    """Share of the picture the face covers, from the crop cache's shortcut columns (log w, log h, largest box
    side / largest image side): the box taken as square (YuNet's boxes are near square), as the server's
    routing measures it (detectors/face_manipulation.py: box area / picture area)."""
    w, h = float(np.exp(meta[0])), float(np.exp(meta[1]))
    side = float(meta[2]) * max(w, h)
    return min(1.0, side * side / (w * h))


def ai_scores(items: list[dict], entry: dict, log=print) -> None:
    """The shipped whole-image detector on each picture, through its serving path."""
    from fakescope.server.detectors.ai_image import AIImageDetector
    from fakescope.server.detectors.base import Context
    from fakescope.server.media.types import Media

    images = shared_dir() / "datasets" / "images"
    det = AIImageDetector(model=modelstore.load_model(repo_root() / "models", "ai_image", entry), entry=entry)
    log(f"  whole-image model on {len(items)} pictures (those the face model speaks for are routed away)")
    for it in items:
        if face_speaks_for_picture(it["results"][0]):
            it["results"] = routed(it["results"][0], result("ai_image", entry, None, None))
            continue
        path = images / it["path"]
        res = det.predict(Media("image", path, "0", path.stat().st_size), Context())
        it["results"].append(result("ai_image", entry, res["score"], None, res.get("reason") or ""))


def routed(face: dict, ai: dict) -> list[dict]:
    """As server/checks.py: when the face model speaks for the picture the whole-image model is not run."""
    if face_speaks_for_picture(face):
        return [face, {**ai, "applicable": False, "score": None, "verdict": "not_applicable",
                       "reason": ROUTED_AWAY}]
    return [face, ai]


def zero_shot_speech(log=print) -> list[dict]:
    """The 2026-12-05 pages' clips, each scored by a speech head that never saw its page: the out-of-fold scores
    of `fakescope evaluate audio`'s collection folds (runs/audio/oof.json). The shipped model trained on these
    pages (since 3.0.0), so its own scores would not be held out: without that file this stops and says so."""
    audio = shared_dir() / "datasets" / "audio"
    entry = manifest()["audio_speech"]
    sources = zero_shot_sources(audio)
    oof = repo_root() / "runs" / "audio" / "oof.json"
    if not oof.exists():
        raise RuntimeError(f"{oof} is missing: run `fakescope evaluate audio` first (the shipped speech model "
                           "trained on the zero-shot pages, so only its collection folds' scores are held out)")
    rows = [r for r in json.loads(oof.read_text()) if r["collection"] in sources]
    log(f"  speech: {len(rows)} zero-shot clips' out-of-fold scores ({oof})")
    return [speech_item(entry, r["collection"], int(r["label"]), r["path"], r["score"]) for r in rows]


def speech_item(entry: dict, collection: str, label: int, path: str, score, reason: str = "") -> dict:
    return {"kind": "audio", "content": "speech", "collection": collection, "label": label, "path": path,
            "results": [result("audio_speech", entry, score, "speech", reason)]}


def zero_shot_sources(audio) -> set:
    """The sources the audio README lists under its 2026-12-05 addition."""
    text = (audio / "README.md").read_text()
    part = text[text.index(f"## Added {ZERO_SHOT_SINCE}"):]
    part = part[:part.index("\n## ", 5)] if "\n## " in part[5:] else part
    return {line.split("|")[1].strip() for line in part.splitlines()
            if line.startswith("| ") and not line.startswith("| source") and "---" not in line}


def face_videos(voices: list[dict]) -> list[dict]:
    """The DeepFaceLive clips as the face card scored them, alone and with a genuine or a cloned voice (the
    voices taken in turn from the zero-shot reals and fakes, a fixed pairing)."""
    card = json.loads((repo_root() / "models" / "cards" / "face_metrics.json").read_text())
    entry = manifest()["face_manipulation"]
    rule = card["video"]["rule"]
    real_voice = [v["results"][0] for v in voices if v["label"] == 0 and v["results"][0]["applicable"]]
    fake_voice = [v["results"][0] for v in voices if v["label"] == 1 and v["results"][0]["applicable"]]
    none = {"detector": "audio_speech", "applicable": False, "score": None, "verdict": "not_applicable",
            "reason": "no soundtrack", "advisory": False, "evidence": []}
    items = []
    for k, clip in enumerate(card["video"]["clips"]):
        face = result("face_manipulation", entry, clip[rule], "face_video", "no face found")
        for soundtrack, voice in (("no soundtrack", none), ("genuine voice", real_voice[k % len(real_voice)]),
                                  ("cloned voice", fake_voice[k % len(fake_voice)])):
            items.append({"kind": "video", "content": f"face_video, {soundtrack}", "collection": "deepfacelive",
                          "label": int(clip["y"]), "path": clip["path"], "results": [face, voice]})
    return items
