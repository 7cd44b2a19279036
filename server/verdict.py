"""Verdict logic as pure functions (no I/O, no models): bands from thresholds, each model's role per content
type, and the combination of several detectors' results into the one verdict a user sees.

How a verdict is reached (README, "How a verdict is reached"): each detector judges one track of the media —
the faces, the whole picture, the voice — with two lines per content type placed on held-out precision (a
weaker model has narrower bands, or none on a side), and a model decides only for the content types where it
was measured well enough (elsewhere it is advisory: shown, able to hold back "likely authentic", never able to
decide). "Likely manipulated" needs one deciding finding at or above its upper line; "likely authentic" needs
every applicable finding, advisory ones included, at or below its lower line, and the picture of a video judged
(a soundtrack never vouches for a picture)."""
from __future__ import annotations

NOT_APPLICABLE = "not_applicable"
RANK = {"likely_real": 0, "uncertain": 1, "likely_fake": 2}
# A model decides verdicts for a content type only if it separates real from fake on sources and generators
# it never saw: the MEAN held-out AUC on that content type must reach DECISIVE_MIN_HELDOUT_AUC, and either the
# type carries bands placed on out-of-fold precision (manifest "content_roles"[type]["thresholds"], written by
# the evaluate command with training/evaluation/bands.py: a collection where the model fails is priced into
# them) with at least one band, or — without such bands — NO held-out fold falls below
# DECISIVE_MIN_WORST_FOLD_AUC (a model without per-type figures: its overall "heldout_auc" /
# "heldout_worst_auc"). Otherwise (or unmeasured) it is advisory there.
DECISIVE_MIN_HELDOUT_AUC = 0.75
DECISIVE_MIN_WORST_FOLD_AUC = 0.60
# The track each detector judges, and its name for people. Unknown detectors judge a track of their own name.
TRACKS = {"face_manipulation": ("faces", "Faces"), "ai_image": ("picture", "Picture"),
          "audio_speech": ("voice", "Voice"), "provenance": ("provenance", "Provenance")}
PICTURE_TRACKS = ("faces", "picture")
# Which track's score heads the verdict when nothing is at "likely manipulated" (headline): the faces,
# then the whole picture, then the voice; tracks not named here come last.
HEADLINE_ORDER = ("faces", "picture", "voice")
# Content routing: a picture whose largest face covers at least this share of its area is a face picture,
# judged by the face model when that model decides for face pictures (and then the whole-image call is not
# paid). Measured with YuNet on ../shared/datasets/images (2026-12-06): in the face model's own pictures
# (14 face sources, 25 each) the face covers a median 44 % of the picture (5th percentile 7 %); the faces
# YuNet finds in the general sets' scenes a median 4 % (90th percentile 13 %).
FACE_DOMINANT_SHARE = 0.10
ROUTED_AWAY = "the face fills the picture: the face model judges it"   # why the whole-image model did not run


def is_advisory(heldout_auc: float | None, worst_fold_auc: float | None = None) -> bool:
    """True when the mean held-out AUC or the worst fold's AUC is missing or below its floor (the rule for a
    model without measured bands)."""
    if heldout_auc is None or worst_fold_auc is None:
        return True
    return heldout_auc < DECISIVE_MIN_HELDOUT_AUC or worst_fold_auc < DECISIVE_MIN_WORST_FOLD_AUC


def _figures(entry: dict, content: str | None) -> dict:
    figures = (entry.get("content_roles") or {}).get(content) if content else None
    return figures or entry


def advisory_for(entry: dict, content: str | None) -> bool:
    """A model's role for one content type (e.g. "face_video", "face_picture", "speech") from its manifest
    entry: the per-type figures when the evaluate command measured that type, else the model's overall ones.
    Where the type carries bands placed on out-of-fold precision (training/evaluation/bands.py) a failing
    collection is already priced into them (no collection's reals above the upper line more than 5 %), so the
    model decides when its mean held-out AUC clears the floor and at least one band could be placed; without
    bands the worst-fold floor applies as well."""
    figures = _figures(entry, content)
    th = figures.get("thresholds") if figures is not entry else None
    if th is not None:
        auc = figures.get("heldout_auc")
        return (auc is None or auc < DECISIVE_MIN_HELDOUT_AUC
                or (th.get("lower") is None and th.get("upper") is None))
    return is_advisory(figures.get("heldout_auc"), figures.get("heldout_worst_auc"))


def role_summary(entry: dict) -> str:
    """A model's role in words: "decisive" / "advisory" for a model measured as a whole, or per content type
    where the evaluate command measured types ("decides: face picture; advisory: face video")."""
    per = entry.get("content_roles") or {}
    if not per:
        return "advisory" if advisory_for(entry, None) else "decisive"
    return "; ".join(f"{'advisory' if advisory_for(entry, t) else 'decides'}: {t.replace('_', ' ')}" for t in per)


def thresholds_for(entry: dict, content: str | None, default: dict | None = None) -> dict:
    """The two lines a score is banded with for one content type: the type's own bands when measured, else the
    model's overall thresholds (`default` when it has none). A line may be None: no such band for the type."""
    figures = _figures(entry, content)
    th = figures.get("thresholds") if figures is not entry else None
    return th if th is not None else (entry.get("thresholds") or default or {"lower": 0.3, "upper": 0.7})


def band(score: float, lower: float | None, upper: float | None) -> str:
    """Calibrated score -> verdict band. At or above `upper`: likely_fake; at or below `lower`:
    likely_real; in between: uncertain. A missing line (None) is a band the model does not have."""
    if not 0.0 <= (0.0 if lower is None else lower) <= (1.0 if upper is None else upper) <= 1.0:
        raise ValueError(f"bad thresholds lower={lower} upper={upper}")
    if upper is not None and score >= upper:
        return "likely_fake"
    if lower is not None and score <= lower:
        return "likely_real"
    return "uncertain"


def has_proof(result: dict) -> bool:
    """True when a detector reports positive provenance evidence (e.g. a C2PA manifest or a generator's
    metadata saying the media is AI-made). Absence of evidence is not evidence of realness."""
    return any(e.get("indicates") == "ai_generated" for e in result.get("evidence", []))


def track_of(result: dict) -> tuple[str, str]:
    """(track, label) a result speaks for: its own "track" when it names one, else TRACKS by detector."""
    name = result["detector"]
    if result.get("track"):
        return result["track"], TRACKS.get(name, (None, result["track"].capitalize()))[1]
    return TRACKS.get(name, (name, name.replace("_", " ").capitalize()))


def face_speaks_for_picture(face: dict | None) -> bool:
    """Content routing: True when a face model that decides for face pictures found a face filling at
    least FACE_DOMINANT_SHARE of the picture; the whole-image model then need not run."""
    return bool(face and face.get("applicable") and not face.get("advisory")
                and (face.get("face_share") or 0.0) >= FACE_DOMINANT_SHARE)


def headline(deciding: list[dict]) -> dict:
    """The finding that heads the verdict (its detector and number): the highest-scoring deciding finding at
    "likely manipulated"; without one, the finding of the track that speaks first for the media
    (HEADLINE_ORDER) — not the highest score of all, so a voice that is merely "uncertain" never outranks the
    faces of a video (verdict card: a genuine voice's noise added to the faces' score ranked face videos
    worse than the face model alone)."""
    alarms = [r for r in deciding if r["verdict"] == "likely_fake"]
    if alarms:
        return max(alarms, key=lambda r: r["score"])

    def order(r: dict) -> int:
        track = track_of(r)[0]
        return HEADLINE_ORDER.index(track) if track in HEADLINE_ORDER else len(HEADLINE_ORDER)

    return min(deciding, key=lambda r: (order(r), -r["score"]))


def _scored(results: list[dict]) -> list[dict]:
    return [r for r in results if r.get("applicable") and r.get("score") is not None]


def _deciding(results: list[dict]) -> list[dict]:
    """Applicable results that may decide: not advisory, and on a face picture routed to the face model,
    not the whole-image model (it still holds back "likely authentic" when it alarms)."""
    scored = _scored(results)
    face = next((r for r in scored if r["detector"] == "face_manipulation"), None)
    routed = face_speaks_for_picture(face)
    return [r for r in scored if not r.get("advisory") and not (routed and track_of(r)[0] == "picture")]


def combine(results: list[dict], kind: str | None = None) -> dict:
    """Combine per-detector results of one media item (`kind`: image / video / audio) into
    {verdict, score, reason, basis, deciding_detector, applied, not_applied, evidence, tracks}.

    - Positive provenance evidence wins: likely_fake, score = max(1 model score, 0.99), basis "provenance".
    - No applicable detector: not_applicable, with every detector's reason.
    - Any deciding finding at likely_fake: likely_fake (score: the highest such score).
    - likely_real only when a deciding finding says so, EVERY applicable finding (advisory included) is at
      likely_real, and for a video its picture was judged; anything else is uncertain.
    - Only advisory findings: uncertain with no headline score, basis "advisory".
    - The headline score otherwise is the first track's in HEADLINE_ORDER (headline).
    `tracks` says which detector spoke for which track ("Voice: likely authentic · Faces: likely manipulated").
    """
    return {**_decide(results, kind), **explain(results)}


def explain(results: list[dict]) -> dict:
    """Which detectors applied (score, band), which did not and why, the proof-grade evidence, and one line
    per track."""
    scored = _scored(results)
    deciding = {r["detector"] for r in _deciding(results)}
    applied = [{"detector": r["detector"], "score": r["score"], "verdict": r["verdict"],
                "advisory": bool(r.get("advisory"))} for r in scored]
    not_applied = [{"detector": r["detector"], "reason": r.get("reason") or "not applicable"}
                   for r in results if r not in scored]
    evidence = [{**e, "detector": r["detector"]} for r in results for e in r.get("evidence", [])
                if e.get("indicates") == "ai_generated"]
    tracks = []
    for r in results:
        track, label = track_of(r)
        if track == "provenance" and not has_proof(r):
            continue  # absent metadata is no finding about the media
        is_scored = r in scored
        tracks.append({"track": track, "label": label, "detector": r["detector"],
                       "verdict": r["verdict"] if is_scored or has_proof(r) else NOT_APPLICABLE,
                       "score": r["score"] if is_scored else None,
                       "role": "decides" if r["detector"] in deciding else "advisory" if is_scored else None,
                       "advisory": is_scored and r["detector"] not in deciding,
                       "reason": None if is_scored else (r.get("reason") or "not applicable")})
    return {"applied": applied, "not_applied": not_applied, "evidence": evidence, "tracks": tracks}


def _decide(results: list[dict], kind: str | None) -> dict:
    proof = [r for r in results if has_proof(r)]
    scored = _scored(results)
    if proof:
        top = max([r["score"] for r in scored] + [0.99])
        return {"verdict": "likely_fake", "score": round(top, 4), "reason": None, "basis": "provenance",
                "deciding_detector": proof[0]["detector"]}
    if not scored:
        reasons = [f"{r['detector']}: {r['reason']}" for r in results if r.get("reason")]
        return {"verdict": NOT_APPLICABLE, "score": None,
                "reason": "; ".join(reasons) or "no detector applies to this media", "basis": None,
                "deciding_detector": None}
    deciding = _deciding(results)
    if not deciding:
        # No headline probability: an advisory score is no calibrated estimate on unseen generators.
        # Each detector's own score stays in the result for the details view.
        return {"verdict": "uncertain", "score": None, "reason": None, "basis": "advisory",
                "deciding_detector": None}
    worst = max(deciding, key=lambda r: (RANK.get(r["verdict"], 1), r["score"]))
    head = headline(deciding)
    verdict = worst["verdict"] if worst["verdict"] in RANK else "uncertain"
    reason = None
    if verdict == "likely_real":
        held_back = [r for r in scored if r["verdict"] != "likely_real"]
        if held_back:
            verdict = "uncertain"
            reason = "; ".join(f"{track_of(r)[1]}: {r['verdict'].replace('_', ' ')}" for r in held_back) + \
                " — every finding must be authentic-looking before the media is called likely authentic"
        elif kind == "video" and not any(track_of(r)[0] in PICTURE_TRACKS for r in scored):
            verdict = "uncertain"
            reason = "the picture could not be judged (no face found): a soundtrack never vouches for a picture"
    return {"verdict": verdict, "score": round(head["score"], 4), "reason": reason,
            "basis": "models", "deciding_detector": head["detector"]}
