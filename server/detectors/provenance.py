"""Provenance and metadata: no model, only what the file says about itself.

Looks for C2PA manifests (Content Credentials, read with c2pa-python), IPTC/XMP DigitalSourceType,
PNG text chunks written by image generators (Stable Diffusion "parameters", ComfyUI "prompt"/"workflow")
and EXIF Software of known generators. A positive finding is strong evidence ("indicates":
"ai_generated"); finding nothing means nothing: the result is then not_applicable, so it can never
lower the combined score (metadata is stripped by most sites anyway).
"""
from __future__ import annotations

import json
import re

from .base import Context, Detector, register

AI_SOURCE_TYPES = ("trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia",
                   "algorithmicMedia", "compositeSynthetic")
GENERATOR_TEXT_KEYS = {"parameters": "Stable Diffusion (AUTOMATIC1111) generation parameters",
                       "prompt": "ComfyUI prompt graph", "workflow": "ComfyUI workflow",
                       "sd-metadata": "InvokeAI metadata", "invokeai_metadata": "InvokeAI metadata",
                       "dream": "Stable Diffusion dream prompt", "Dream": "Stable Diffusion dream prompt"}
GENERATOR_SOFTWARE = re.compile(
    r"stable diffusion|automatic1111|comfyui|invokeai|midjourney|dall[-·· ]?e|novelai|firefly|"
    r"imagen|leonardo|fooocus|diffusers|stylegan|nightcafe|craiyon|ideogram|flux", re.I)
_XMP_DST = re.compile(rb"DigitalSourceType[^>]*?(?:>|=\s*[\"'])\s*([^<\"']+)", re.I)
MAX_SCAN_BYTES = 16 << 20   # metadata lives in the first segments; never read a whole large video


def clip(text: str, limit: int) -> str:
    """A metadata value shortened for the evidence line, with an ellipsis when cut (never "Model: v1-5-")."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _ev(kind: str, detail: str, ai: bool = True) -> dict:
    return {"kind": kind, "detail": detail, "indicates": "ai_generated" if ai else "info"}


# c2pa-rs fetches a manifest that a file only references by URL (XMP dcterms:provenance) and may ask OCSP
# responders about certificates, by default. A file must never make this server connect anywhere: that would
# tell a third party what the user checks, and it would bypass the download address guard (the URL can
# point at 127.0.0.1 or the LAN). Both are switched off; a remote-only manifest is reported as unreadable.
# tests/server/test_privacy.py serves such a file's URL locally and asserts it is never requested.
OFFLINE_C2PA = {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}}


def c2pa_reader(path):
    """A c2pa Reader for `path` (None when it carries no manifest) that never touches the network."""
    import c2pa

    context = c2pa.Context(c2pa.Settings.from_dict(OFFLINE_C2PA))
    return c2pa.Reader.try_create(str(path), context=context)


def c2pa_evidence(path) -> list[dict]:
    """Evidence from a C2PA manifest store: a digitalSourceType of trained algorithmic media in any
    action or assertion marks AI generation; a manifest without one is reported as info only."""
    try:
        reader = c2pa_reader(path)
    except Exception as exc:  # unsupported format or a damaged manifest: report, never fail the check
        if str(exc).startswith("Remote"):
            return [_ev("c2pa", "C2PA manifest stored elsewhere (only a link in the file): not fetched, "
                                "FakeScope never connects anywhere on a file's behalf", ai=False)]
        return [_ev("c2pa", f"C2PA data could not be read: {exc.__class__.__name__}", ai=False)] \
            if "JUMBF" in str(exc) or "manifest" in str(exc).lower() else []
    if reader is None:
        return []
    with reader:
        store = json.loads(reader.json())
    active = store.get("manifests", {}).get(store.get("active_manifest", ""), {})
    generator = ", ".join(str(g.get("name", g)) if isinstance(g, dict) else str(g)
                          for g in active.get("claim_generator_info", []) or [active.get("claim_generator", "")])
    text = json.dumps(store)
    hits = [t for t in AI_SOURCE_TYPES if re.search(rf"digitalsourcetype/{t}\b", text, re.I)]
    status = store.get("validation_state") or ("invalid" if store.get("validation_status") else "valid")
    if hits:
        return [_ev("c2pa", f"C2PA manifest ({status}) declares digitalSourceType {hits[0]}"
                            + (f"; claim generator {generator}" if generator else ""))]
    return [_ev("c2pa", f"C2PA manifest present ({status}), no AI source type declared"
                        + (f"; claim generator {generator}" if generator else ""), ai=False)]


def xmp_evidence(data: bytes) -> list[dict]:
    """IPTC DigitalSourceType in an XMP packet (JPEG APP1, PNG iTXt, WebP/TIFF XMP all embed the text)."""
    out = []
    for m in _XMP_DST.finditer(data):
        value = m.group(1).decode("utf-8", "replace").strip()
        name = value.rsplit("/", 1)[-1]
        if name in AI_SOURCE_TYPES:
            out.append(_ev("xmp", f"IPTC DigitalSourceType = {name}"))
    return out[:1]


def png_text_evidence(path) -> list[dict]:
    from PIL import Image

    try:
        with Image.open(path) as im:
            if im.format != "PNG":
                return []
            chunks = dict(getattr(im, "text", {}) or {})
    except Exception:
        return []
    out = []
    for key, label in GENERATOR_TEXT_KEYS.items():
        if key in chunks and str(chunks[key]).strip():
            out.append(_ev("png_text", f"PNG text chunk '{key}' ({label}): {clip(str(chunks[key]), 120)}"))
    sw = str(chunks.get("Software", ""))
    if sw and GENERATOR_SOFTWARE.search(sw):
        out.append(_ev("png_text", f"PNG Software = {clip(sw, 80)}"))
    return out


def exif_evidence(path) -> list[dict]:
    from PIL import Image

    try:
        with Image.open(path) as im:
            exif = im.getexif()
    except Exception:
        return []
    out = []
    for tag, label in ((0x0131, "Software"), (0x010E, "ImageDescription"), (0x013B, "Artist")):
        val = str(exif.get(tag, "") or "")
        if val and GENERATOR_SOFTWARE.search(val):
            out.append(_ev("exif", f"EXIF {label} = {clip(val, 80)}"))
    return out


def scan(path) -> list[dict]:
    """All provenance evidence for one file (AI indications first)."""
    with open(path, "rb") as f:
        head = f.read(MAX_SCAN_BYTES)
    ev = c2pa_evidence(path) + xmp_evidence(head) + png_text_evidence(path) + exif_evidence(path)
    return sorted(ev, key=lambda e: e["indicates"] != "ai_generated")


@register
class ProvenanceDetector(Detector):
    name = "provenance"
    kinds = ("image", "video")
    model_key = None

    def predict(self, media, ctx: Context) -> dict:
        ctx.progress("metadata", 0.0)
        evidence = scan(media.path)
        ctx.progress("metadata", 1.0)
        if any(e["indicates"] == "ai_generated" for e in evidence):
            # Proof, not a probability: the file itself declares AI generation.
            return self.result(1.0, "likely_fake", evidence=evidence)
        reason = ("no AI-generation metadata found (absence proves nothing: most sites strip metadata)"
                  if not evidence else "metadata present but does not declare AI generation")
        return self.not_applicable(reason, evidence=evidence)
