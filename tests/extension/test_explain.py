"""server/explain.py: plain names, reasons, evidence sentences and band thresholds (pure functions)."""
from fakescope.server import explain

ENTRY = {"version": "1.0.0", "card": "cards/audio.md", "heldout_auc": 0.7332,
         "thresholds": {"lower": 0.3150731314405606, "upper": 0.7788004791727536}}


def test_generator_chunk_reads_as_a_fact_about_the_file():
    ev = {"kind": "png_text", "indicates": "ai_generated",
          "detail": "PNG text chunk 'parameters' (Stable Diffusion (AUTOMATIC1111) generation parameters): a cat, Steps: 20"}
    assert explain.evidence_sentence(ev) == \
        "This file says it was made with Stable Diffusion (AUTOMATIC1111): PNG text chunk `parameters`"
    assert explain.evidence_sentence({"kind": "exif", "detail": "EXIF Software = Midjourney v6"}) == \
        "This file says it was made with Midjourney v6: EXIF Software tag"
    c2pa = {"kind": "c2pa", "detail": "C2PA manifest (valid) declares digitalSourceType trainedAlgorithmicMedia; claim generator Adobe Firefly"}
    assert "Content Credentials (C2PA, valid)" in explain.evidence_sentence(c2pa)
    assert "made with Adobe Firefly" in explain.evidence_sentence(c2pa)


def test_internal_reasons_become_short_plain_words():
    assert explain.plain_reason("silence found: 0.4 s of speech (need 1.5 s)") == "No speech found"
    assert explain.plain_reason("no face found in 3 sampled frames") == "No face found"
    assert explain.plain_reason("the video has no audio track") == "No soundtrack"
    assert explain.plain_reason("image smaller than 64 px on a side") == "Too small to judge"
    assert explain.plain_reason(None) is None


def test_about_gives_name_sentence_card_role_and_thresholds():
    a = explain.about("audio_speech", "audio_speech", ENTRY, advisory=False)
    assert a["title"] == "Synthetic speech" and a["looks_for"].endswith(".")
    assert a["card"] == "/api/v1/models/audio_speech/card"
    assert a["role"] == "decides" and a["experimental"] is False
    assert a["thresholds"] == {"lower": 0.3151, "upper": 0.7788}
    weak = explain.about("ai_image", "ai_image", {**ENTRY, "heldout_auc": 0.4007, "card": "cards/aigen.md"}, advisory=True)
    assert weak["role"] == "advisory" and weak["experimental"] is True
    assert explain.about("provenance", None, {}, advisory=False)["role"] == "rule"


def test_about_shows_the_lines_the_result_was_banded_with():
    # a face picture is banded with its content type's lines, one of which may be missing
    used = {"lower": None, "upper": 0.912345}
    a = explain.about("face_manipulation", "face_manipulation", ENTRY, advisory=False, used=used)
    assert a["thresholds"] == {"lower": None, "upper": 0.9123}
    assert explain.about("face_manipulation", "face_manipulation", ENTRY, False, {"lower": None, "upper": None})["thresholds"] is None


def test_annotate_explains_not_applicable_without_touching_the_verdict():
    result = {"verdict": "not_applicable", "score": None, "reason": "audio_speech: silence found; provenance: x",
              "detectors": [{"detector": "audio_speech", "verdict": "not_applicable", "score": None,
                             "reason": "silence found: 0.2 s of speech", "advisory": False},
                            {"detector": "provenance", "verdict": "not_applicable", "score": None,
                             "reason": "no AI-generation metadata found (absence proves nothing)"}]}
    out = explain.annotate(result, {"audio_speech": ("audio_speech", ENTRY, False)})
    assert out["plain_reason"] == "No speech found"
    assert out["verdict"] == "not_applicable" and out["score"] is None
    assert out["detectors"][0]["about"]["title"] == "Synthetic speech"
    assert explain.annotate(out, {"audio_speech": ("audio_speech", ENTRY, False)}) == out  # idempotent
