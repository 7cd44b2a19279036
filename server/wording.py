"""The words a person reads from the CLI: one vocabulary for verdicts and one way to say a number.

The API's machine codes (`likely_fake`, `uncertain`, `likely_real`, `not_applicable`) are a public contract
and stay as they are in --json output; everything human-facing goes through here, with the same words as the
browser extension (extension/lib/wording.js): "Likely manipulated", "Uncertain", "Likely authentic",
"Not applicable" (with its reason), and a score always as "NN % likely manipulated".
"""
from __future__ import annotations

VERDICT_LABELS = {
    "likely_fake": "Likely manipulated",
    "uncertain": "Uncertain",
    "likely_real": "Likely authentic",
    "not_applicable": "Not applicable",
}

# Plain track names; detector names stay in "Technical details".
TRACK_NAMES = {"faces": "Faces", "picture": "Picture", "voice": "Voice", "provenance": "Provenance"}
DETECTOR_TRACKS = {"face_manipulation": "faces", "ai_image": "picture", "audio_speech": "voice",
                   "provenance": "provenance"}

ADVISORY = "advisory (shown, not used for the verdict)"


def label(verdict: str | None) -> str:
    """The verdict's label; an unknown code reads "Uncertain", never a confident label."""
    return VERDICT_LABELS.get(verdict or "", VERDICT_LABELS["uncertain"])


def words(verdict: str | None) -> str:
    """The label inside a sentence: "likely manipulated"."""
    return label(verdict).lower()


def percent(p: float) -> str:
    return f"{round(max(0.0, min(1.0, float(p))) * 100)} %"


def score_label(score: float | None) -> str | None:
    """ "27 % likely manipulated": a number with what it is, or None (then no number is shown)."""
    return None if score is None else f"{percent(score)} likely manipulated"


def _lower_first(text: str) -> str:
    return text[0].lower() + text[1:] if len(text) > 1 and text[0].isupper() and text[1].islower() else text


def headline(verdict: str | None, reason: str | None = None) -> str:
    """ "Likely manipulated"; not applicable says why: "Not applicable: no speech found"."""
    if verdict == "not_applicable" and reason:
        return "Not applicable: " + " · ".join(_lower_first(p) for p in str(reason).split(" · "))
    return label(verdict)


def track_of(name: str | None) -> str | None:
    n = (name or "").lower()
    if n in TRACK_NAMES:
        return n
    if n in DETECTOR_TRACKS:
        return DETECTOR_TRACKS[n]
    for key, hints in (("faces", ("face",)), ("voice", ("speech", "voice", "audio")),
                       ("provenance", ("provenance", "c2pa", "metadata")), ("picture", ("image", "picture", "aigen"))):
        if any(h in n for h in hints):
            return key
    return None


def track_name(name: str | None, title: str | None = None) -> str:
    """ "Faces", "Voice", ...; a detector of no known track keeps its plain title (or its name)."""
    t = track_of(name)
    return TRACK_NAMES[t] if t else (title or str(name or "detector").replace("_", " "))


def _line(track: str | None, name: str, verdict: str | None, score: float | None, advisory: bool,
          reason: str | None = None) -> str:
    if verdict == "not_applicable":
        return f"{name}: not applicable" + (f" ({_lower_first(reason)})" if reason else "")
    if track == "provenance":
        return f"{name}: " + ("likely manipulated · the file says it was AI-generated" if verdict == "likely_fake"
                              else "nothing in the file declares AI generation")
    text = f"{name}: {words(verdict)}"
    if score is not None:
        text += f" · {score_label(score)}"
    return text + (f" · {ADVISORY}" if advisory else "")


def track_lines(result: dict) -> list[str]:
    """One line per track: "Voice: likely authentic · 12 % likely manipulated". Prefers the result's `tracks`
    ({track, label, verdict, score, detector}) when present, else `applied` then `not_applied`; a result with
    neither falls back to its `detectors`. Tolerant of missing fields."""
    dets = {d.get("detector"): d for d in result.get("detectors") or [] if isinstance(d, dict)}

    def title(name):
        return ((dets.get(name) or {}).get("about") or {}).get("title")

    def advisory(name, given=None):
        return bool(given) if isinstance(given, bool) else bool((dets.get(name) or {}).get("advisory"))

    tracks = [t for t in result.get("tracks") or [] if isinstance(t, dict)]
    if tracks:
        return [_line(t.get("track") or track_of(t.get("detector")),
                      t.get("label") or track_name(t.get("track") or t.get("detector"), title(t.get("detector"))),
                      t.get("verdict"), t.get("score"), advisory(t.get("detector"), t.get("advisory")),
                      # the detector's plain reason ("No speech found") before the track's own (may be internal)
                      (dets.get(t.get("detector")) or {}).get("plain_reason") or t.get("plain_reason")
                      or t.get("reason")) for t in tracks]
    if "applied" in result or "not_applied" in result:
        out = [_line(track_of(a.get("detector")), track_name(a.get("detector"), title(a.get("detector"))),
                     a.get("verdict"), a.get("score"), advisory(a.get("detector"), a.get("advisory")))
               for a in result.get("applied") or []]
        for n in result.get("not_applied") or []:
            d = dets.get(n.get("detector")) or {}
            out.append(_line(track_of(n.get("detector")), track_name(n.get("detector"), title(n.get("detector"))),
                             "not_applicable", None, False, d.get("plain_reason") or n.get("reason")))
        return out
    return [_line(track_of(d.get("detector")), track_name(d.get("detector"), title(d.get("detector"))),
                  d.get("verdict"), d.get("score"), advisory(d.get("detector")), d.get("plain_reason") or d.get("reason"))
            for d in dets.values()]
