"""Plain-language explanations for results (pure functions, no I/O, no models).

What a person reads next to a verdict: each detector's plain name, one sentence of what it looks for and
a link to its model card; a short reason when a detector could not judge ("No face found"); the band
thresholds a score is compared with; provenance findings as sentences about the FILE ("This file says it
was made with ..."), never as a model estimate. `annotate` adds these to a result without changing any
of the fields the verdict was computed from, so cached results gain them too.
"""
from __future__ import annotations

import re

CARD_ROUTE = "/api/v1/models/{key}/card"
# Below this held-out AUC a model ranks unseen fakes worse than a coin toss: shown as "experimental".
CHANCE_AUC = 0.5

DETECTORS = {
    "provenance": ("File metadata (provenance)",
                   "Reads what the file says about itself: Content Credentials (C2PA), IPTC/XMP source type, "
                   "generator text chunks and EXIF Software tags. Finding none proves nothing."),
    "face_manipulation": ("Face manipulation",
                          "Looks at each face it finds for signs of swapping, editing or generation."),
    "audio_speech": ("Synthetic speech",
                     "Listens to the speech for signs of voice cloning, conversion or a vocoder."),
    "ai_image": ("Whole-image AI generation",
                 "Looks at the whole picture as a pretrained vision model (CLIP) sees it and compares it "
                 "with real photos and AI-generated images."),
}

# Internal not-applicable reasons -> the few words a badge can show. First match wins.
_REASONS = (
    (r"no (speech|voice)|silen", "No speech found"),
    (r"only [\d.]+ s of speech", "Too little speech"),
    (r"no audio track|no soundtrack|has no audio", "No soundtrack"),
    (r"no face", "No face found"),
    (r"too short|shorter than", "Too short to judge"),
    (r"smaller than|too small", "Too small to judge"),
    (r"not installed|not loaded", "Model not installed"),
    (r"could not be decoded|cannot decode|decode", "Could not decode the file"),
    (r"no ai-generation metadata|no generator metadata", "No generator metadata"),
    (r"metadata present", "Metadata present, no AI claim"),
    (r"detector failed|failed on this file", "The detector failed on this file"),
    (r"is not an? |not supported|unsupported", "Does not apply to this kind of media"),
)

# PNG text chunk key -> the generator that writes it.
_PNG_GENERATORS = {"parameters": "Stable Diffusion (AUTOMATIC1111)", "prompt": "ComfyUI", "workflow": "ComfyUI",
                   "sd-metadata": "InvokeAI", "invokeai_metadata": "InvokeAI", "dream": "Stable Diffusion"}


def plain_reason(reason: str | None) -> str | None:
    """Short, plain reason for a badge ("No speech found"); None when there is no reason."""
    if not reason:
        return None
    low = str(reason).lower()
    for pattern, words in _REASONS:
        if re.search(pattern, low):
            return words
    first = re.split(r"[;:(]", str(reason), maxsplit=1)[0].strip()
    return (first[:1].upper() + first[1:])[:60] or None


def _line(x) -> float | None:
    return round(float(x), 4) if isinstance(x, (int, float)) else None


def about(name: str, model_key: str | None, entry: dict | None, advisory: bool, used: dict | None = None) -> dict:
    """Plain name, sentence, card link, role and band thresholds of one detector. `used`: the lines the
    result was banded with (per content type; either may be None: no such band), else the model's own."""
    entry = entry or {}
    title, sentence = DETECTORS.get(name, (name.replace("_", " ").capitalize(), "A detector of manipulated media."))
    auc = entry.get("heldout_auc")
    thresholds = used or entry.get("thresholds") or {}
    lower, upper = _line(thresholds.get("lower")), _line(thresholds.get("upper"))
    band = {"lower": lower, "upper": upper} if lower is not None or upper is not None else None
    role = "rule" if model_key is None else ("advisory" if advisory else "decides")
    return {
        "title": title,
        "looks_for": sentence,
        "card": CARD_ROUTE.format(key=model_key) if model_key and entry.get("card") else None,
        "role": role,
        "heldout_auc": auc,
        # Worse than chance on unseen generators: the score carries no usable signal, so it is greyed.
        "experimental": role == "advisory" and (auc is None or auc < CHANCE_AUC),
        "thresholds": band,
    }


def evidence_sentence(ev: dict) -> str:
    """A provenance finding as a sentence about the file, e.g. "This file says it was made with Stable
    Diffusion (AUTOMATIC1111): PNG text chunk `parameters`"."""
    kind, detail = ev.get("kind", ""), str(ev.get("detail", ""))
    m = re.search(r"PNG text chunk '([^']+)'", detail)
    if m:
        gen = _PNG_GENERATORS.get(m.group(1), "an image generator")
        return f"This file says it was made with {gen}: PNG text chunk `{m.group(1)}`"
    m = re.search(r"(PNG|EXIF) (\w+) = (.+)", detail)
    if m:
        return f"This file says it was made with {m.group(3).strip()}: {m.group(1)} {m.group(2)} tag"
    m = re.search(r"DigitalSourceType = (\w+)", detail)
    if m:
        return f"This file declares itself AI-generated: IPTC/XMP DigitalSourceType `{m.group(1)}`"
    if kind == "c2pa":
        m = re.search(r"C2PA manifest \((\w+)\) declares digitalSourceType (\w+)(?:; claim generator (.+))?", detail)
        if m:
            made = f", made with {m.group(3)}" if m.group(3) else ""
            return (f"Content Credentials (C2PA, {m.group(1)}) in this file declare it AI-generated "
                    f"(`{m.group(2)}`){made}")
        return f"Content Credentials (C2PA) in this file: {detail}"
    return f"This file carries generator metadata: {detail}"


def annotate(result: dict, detectors: dict) -> dict:
    """Add the explanations to a result in place (idempotent) and return it.

    `detectors`: detector name -> (model_key, manifest entry, advisory) for the loaded detectors."""
    if not isinstance(result, dict):
        return result
    for det in result.get("detectors") or []:
        key, entry, advisory = detectors.get(det.get("detector"), (None, {}, bool(det.get("advisory"))))
        det["about"] = about(det.get("detector", ""), key, entry, bool(det.get("advisory", advisory)),
                             det.get("thresholds"))
        det["plain_reason"] = plain_reason(det.get("reason")) if det.get("verdict") == "not_applicable" else None
        for ev in det.get("evidence") or []:
            ev["sentence"] = evidence_sentence(ev)
    for ev in result.get("evidence") or []:
        ev["sentence"] = evidence_sentence(ev)
    if result.get("verdict") == "not_applicable":
        words = [d["plain_reason"] for d in result.get("detectors") or [] if d.get("plain_reason")
                 and d.get("detector") != "provenance"]  # "no metadata" never explains why nothing applied
        result["plain_reason"] = " · ".join(dict.fromkeys(words)) or plain_reason(result.get("reason"))
    else:
        result["plain_reason"] = None
    return result


def detector_index(detectors) -> dict:
    """Loaded Detector objects -> the mapping `annotate` takes."""
    return {d.name: (d.model_key, d.entry, d.advisory) for d in detectors}
