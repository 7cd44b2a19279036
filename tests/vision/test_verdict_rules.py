"""Image/video combination rules, table-driven (pure functions, no models)."""
from __future__ import annotations

import pytest

from fakescope.server.verdict import (DECISIVE_MIN_HELDOUT_AUC, DECISIVE_MIN_WORST_FOLD_AUC, FACE_DOMINANT_SHARE,
                                      advisory_for, band, combine, is_advisory, thresholds_for)


def r(name, score, verdict, reason=None, evidence=None, advisory=False, **extra):
    return {"detector": name, "applicable": verdict != "not_applicable", "score": score, "verdict": verdict,
            "reason": reason, "evidence": evidence or [], "advisory": advisory, **extra}


AI = [{"kind": "xmp", "detail": "IPTC DigitalSourceType = trainedAlgorithmicMedia", "indicates": "ai_generated"}]
NOFACE = r("face_manipulation", None, "not_applicable", "no face found")
NOMETA = r("provenance", None, "not_applicable", "no AI-generation metadata found")

CASES = [
    # (results, verdict, score, basis, deciding)
    ([r("face_manipulation", 0.9, "likely_fake"), r("ai_image", 0.2, "likely_real"), NOMETA],
     "likely_fake", 0.9, "models", "face_manipulation"),
    ([r("face_manipulation", 0.1, "likely_real"), r("ai_image", 0.15, "likely_real"), NOMETA],
     "likely_real", 0.1, "models", "face_manipulation"),   # the faces head the verdict (HEADLINE_ORDER)
    ([r("face_manipulation", 0.5, "uncertain"), r("ai_image", 0.1, "likely_real")],
     "uncertain", 0.5, "models", "face_manipulation"),
    ([NOFACE, r("ai_image", 0.05, "likely_real"), NOMETA], "likely_real", 0.05, "models", "ai_image"),
    ([NOFACE, r("ai_image", 0.2, "likely_real"), r("provenance", 1.0, "likely_fake", evidence=AI)],
     "likely_fake", 1.0, "provenance", "provenance"),
    ([NOFACE, NOMETA], "not_applicable", None, None, None),
    ([], "not_applicable", None, None, None),
    # advisory models (too weak on unseen generators) are shown but never decide
    ([NOFACE, r("ai_image", 0.95, "likely_fake", advisory=True), NOMETA], "uncertain", None, "advisory", None),
    ([NOFACE, r("ai_image", 0.02, "likely_real", advisory=True)], "uncertain", None, "advisory", None),
    # no false comfort: an advisory model at likely_fake holds back "likely authentic"
    ([r("face_manipulation", 0.1, "likely_real"), r("ai_image", 0.97, "likely_fake", advisory=True)],
     "uncertain", 0.1, "models", "face_manipulation"),
    ([r("face_manipulation", 0.1, "likely_real"), r("ai_image", 0.5, "uncertain", advisory=True)],
     "uncertain", 0.1, "models", "face_manipulation"),
    ([r("face_manipulation", 0.1, "likely_real"), r("ai_image", 0.2, "likely_real", advisory=True)],
     "likely_real", 0.1, "models", "face_manipulation"),
    ([r("face_manipulation", 0.8, "likely_fake"), r("ai_image", 0.97, "likely_fake", advisory=True)],
     "likely_fake", 0.8, "models", "face_manipulation"),
    ([r("ai_image", 0.9, "likely_fake", advisory=True), r("provenance", 1.0, "likely_fake", evidence=AI)],
     "likely_fake", 1.0, "provenance", "provenance"),
]


@pytest.mark.parametrize("results,verdict,score,basis,deciding", CASES)
def test_combine_table(results, verdict, score, basis, deciding):
    out = combine(results)
    assert (out["verdict"], out["score"], out["basis"], out["deciding_detector"]) == (verdict, score, basis, deciding)
    applied = {a["detector"] for a in out["applied"]}
    skipped = {n["detector"]: n["reason"] for n in out["not_applied"]}
    assert applied | set(skipped) == {x["detector"] for x in results}
    if NOFACE in results:
        assert skipped["face_manipulation"] == "no face found"


@pytest.mark.parametrize("auc,worst,advisory", [
    (None, None, True), (0.9, None, True), (0.40, 0.30, True), (DECISIVE_MIN_HELDOUT_AUC - 0.01, 0.7, True),
    (DECISIVE_MIN_HELDOUT_AUC, DECISIVE_MIN_WORST_FOLD_AUC, False), (0.9, 0.8, False),
    (0.9, DECISIVE_MIN_WORST_FOLD_AUC - 0.01, True)])
def test_models_below_the_heldout_floors_are_advisory(auc, worst, advisory):
    # decisive only when the mean leave-source-out AUC AND the worst fold clear their floors
    assert is_advisory(auc, worst) is advisory


def test_advisory_flag_is_reported_per_detector():
    out = combine([r("face_manipulation", 0.3, "uncertain"), r("ai_image", 0.9, "likely_fake", advisory=True)])
    assert {a["detector"]: a["advisory"] for a in out["applied"]} == {"face_manipulation": False, "ai_image": True}


def test_absent_metadata_never_lowers_the_score():
    models = [r("face_manipulation", 0.8, "likely_fake"), r("ai_image", 0.4, "uncertain")]
    assert combine(models + [NOMETA])["score"] == combine(models)["score"]
    assert combine(models + [NOMETA])["verdict"] == combine(models)["verdict"]


def test_provenance_evidence_is_listed_as_proof():
    out = combine([r("ai_image", 0.1, "likely_real"), r("provenance", 1.0, "likely_fake", evidence=AI)])
    assert out["verdict"] == "likely_fake" and out["evidence"][0]["detector"] == "provenance"


def test_no_face_reason_reaches_the_user():
    out = combine([NOFACE, NOMETA])
    assert "no face found" in out["reason"]


@pytest.mark.parametrize("score,expected", [(0.95, "likely_fake"), (0.7, "likely_fake"), (0.5, "uncertain"),
                                            (0.3, "likely_real"), (0.0, "likely_real")])
def test_band(score, expected):
    assert band(score, 0.3, 0.7) == expected


@pytest.mark.parametrize("score,lower,upper,expected", [
    (0.99, 0.2, None, "uncertain"), (0.1, 0.2, None, "likely_real"),      # no "likely manipulated" band
    (0.01, None, 0.8, "uncertain"), (0.85, None, 0.8, "likely_fake"),    # no "likely authentic" band
    (0.5, None, None, "uncertain"), (0.0, None, None, "uncertain"), (1.0, None, None, "uncertain")])
def test_a_missing_line_is_a_band_the_model_does_not_have(score, lower, upper, expected):
    assert band(score, lower, upper) == expected


def test_bad_lines_are_refused():
    with pytest.raises(ValueError):
        band(0.5, 0.8, 0.2)
    with pytest.raises(ValueError):
        band(0.5, None, 1.2)


BANDED = {"heldout_auc": 0.66, "heldout_worst_auc": 0.40, "thresholds": {"lower": 0.3, "upper": 0.7},
          "content_roles": {
              "face_picture": {"heldout_auc": 0.80, "heldout_worst_auc": 0.52, "thresholds": {"lower": None, "upper": 0.9}},
              "face_video": {"heldout_auc": 0.80, "heldout_worst_auc": 0.80, "thresholds": {"lower": None, "upper": None}},
              "weak": {"heldout_auc": 0.70, "heldout_worst_auc": 0.70, "thresholds": {"lower": 0.1, "upper": 0.9}},
              "unbanded": {"heldout_auc": 0.80, "heldout_worst_auc": 0.52}}}


@pytest.mark.parametrize("content,advisory", [
    ("face_picture", False),   # bands placed on out-of-fold precision: a bad fold is priced into them
    ("face_video", True),      # no band could be placed: nothing to decide with
    ("weak", True),            # mean held-out AUC under the floor
    ("unbanded", True),        # no bands: the worst-fold floor still applies
    (None, True), ("speech", True)])   # overall figures (0.66 / 0.40)
def test_roles_per_content_type_with_bands(content, advisory):
    assert advisory_for(BANDED, content) is advisory


def test_each_content_type_is_banded_with_its_own_lines():
    assert thresholds_for(BANDED, "face_picture") == {"lower": None, "upper": 0.9}
    assert thresholds_for(BANDED, "unbanded") == {"lower": 0.3, "upper": 0.7}   # the model's overall lines
    assert thresholds_for(BANDED, None) == {"lower": 0.3, "upper": 0.7}
    assert thresholds_for({}, "face_picture") == {"lower": 0.3, "upper": 0.7}


def test_an_uncertain_voice_never_heads_a_face_video():
    # the faces speak first for a video: a voice's higher but merely uncertain score is no headline
    faces, voice = r("face_manipulation", 0.4, "uncertain"), r("audio_speech", 0.7, "uncertain")
    out = combine([faces, voice], "video")
    assert (out["verdict"], out["score"], out["deciding_detector"]) == ("uncertain", 0.4, "face_manipulation")
    # ... but a voice at "likely manipulated" heads it with its own number
    out = combine([faces, r("audio_speech", 0.93, "likely_fake")], "video")
    assert (out["verdict"], out["score"], out["deciding_detector"]) == ("likely_fake", 0.93, "audio_speech")


# -- video and audio: every track must look authentic; a soundtrack never vouches for a picture ----------------
FACES_FAKE = r("face_manipulation", 0.75, "likely_fake", content="face_video")
FACES_UNSURE_ADVISORY = r("face_manipulation", 0.6, "uncertain", advisory=True, content="face_video")
FACES_REAL = r("face_manipulation", 0.1, "likely_real", content="face_video")
NOFACE_VIDEO = r("face_manipulation", None, "not_applicable", "no face found in 12 sampled frames")
VOICE_REAL = r("audio_speech", 0.05, "likely_real")
VOICE_FAKE = r("audio_speech", 0.95, "likely_fake")


@pytest.mark.parametrize("results,kind,verdict", [
    ([FACES_FAKE, VOICE_REAL], "video", "likely_fake"),            # genuine voice, swapped face
    ([FACES_UNSURE_ADVISORY, VOICE_REAL], "video", "uncertain"),   # was "likely authentic" in v2
    ([NOFACE_VIDEO, VOICE_REAL], "video", "uncertain"),            # the voice cannot vouch for the picture
    ([FACES_REAL, VOICE_REAL], "video", "likely_real"),
    ([FACES_REAL, VOICE_FAKE], "video", "likely_fake"),            # cloned voice over real footage
    ([NOFACE_VIDEO, VOICE_FAKE], "video", "likely_fake"),
    ([VOICE_REAL], "audio", "likely_real"),
])
def test_no_false_comfort(results, kind, verdict):
    assert combine(results, kind)["verdict"] == verdict


def test_a_held_back_verdict_says_why():
    out = combine([FACES_UNSURE_ADVISORY, VOICE_REAL], "video")
    assert out["verdict"] == "uncertain" and "Faces: uncertain" in out["reason"]
    out = combine([NOFACE_VIDEO, VOICE_REAL], "video")
    assert "soundtrack never vouches for a picture" in out["reason"]


def test_tracks_say_which_detector_spoke_for_what():
    out = combine([FACES_FAKE, VOICE_REAL, NOMETA], "video")
    lines = {t["label"]: (t["verdict"], t["score"], t["role"]) for t in out["tracks"]}
    assert lines == {"Faces": ("likely_fake", 0.75, "decides"), "Voice": ("likely_real", 0.05, "decides")}
    out = combine([NOFACE_VIDEO, VOICE_REAL, r("provenance", 1.0, "likely_fake", evidence=AI)], "video")
    by = {t["label"]: t for t in out["tracks"]}
    assert by["Faces"]["verdict"] == "not_applicable" and by["Faces"]["reason"].startswith("no face found")
    assert by["Provenance"]["verdict"] == "likely_fake"


def test_a_result_may_name_its_own_track():
    out = combine([r("probe_faces", 0.9, "likely_fake", track="faces"), VOICE_REAL], "video")
    assert out["verdict"] == "likely_fake" and out["tracks"][0]["track"] == "faces"


# -- content routing: a face picture is judged by a face model that decides for face pictures --------------------
def test_a_deciding_face_model_speaks_for_a_face_filling_picture():
    face = r("face_manipulation", 0.8, "likely_fake", face_share=0.3, content="face_picture")
    out = combine([face, r("ai_image", 0.1, "likely_real")], "image")
    assert (out["verdict"], out["deciding_detector"]) == ("likely_fake", "face_manipulation")
    roles = {t["detector"]: t["role"] for t in out["tracks"]}
    assert roles == {"face_manipulation": "decides", "ai_image": "advisory"}
    real_face = r("face_manipulation", 0.1, "likely_real", face_share=0.3)
    # the whole-image model no longer decides there, but its alarm still holds back "likely authentic"
    assert combine([real_face, r("ai_image", 0.95, "likely_fake")], "image")["verdict"] == "uncertain"


def test_a_small_face_leaves_the_picture_to_the_whole_image_model():
    face = r("face_manipulation", 0.1, "likely_real", face_share=FACE_DOMINANT_SHARE / 2)
    out = combine([face, r("ai_image", 0.9, "likely_fake")], "image")
    assert (out["verdict"], out["deciding_detector"]) == ("likely_fake", "ai_image")


def test_an_advisory_face_model_never_takes_the_picture_over():
    face = r("face_manipulation", 0.9, "likely_fake", advisory=True, face_share=0.5)
    out = combine([face, r("ai_image", 0.5, "uncertain")], "image")
    assert (out["verdict"], out["deciding_detector"]) == ("uncertain", "ai_image")


def test_roles_are_per_content_type():
    entry = {"heldout_auc": 0.82, "heldout_worst_auc": 0.50,
             "content_roles": {"face_video": {"heldout_auc": 0.83, "heldout_worst_auc": 0.83}}}
    assert advisory_for(entry, "face_video") is False
    assert advisory_for(entry, "face_picture") is True   # unmeasured type: the overall figures
    assert advisory_for(entry, None) is True


def test_the_shipped_face_model_has_measured_roles_per_content_type(repo_root):
    """`fakescope evaluate face` writes the face model's figures per content type (training/face/recipe.py: content_roles);
    the server's role for each type follows them, whatever they are."""
    import json

    entry = json.loads((repo_root / "models" / "manifest.json").read_text())["models"]["face_manipulation"]
    roles = entry["content_roles"]
    assert set(roles) == {"face_picture", "face_video"}
    for content, figures in roles.items():
        assert 0.0 <= figures["heldout_worst_auc"] <= figures["heldout_auc"] <= 1.0
        th = figures["thresholds"]   # bands placed on out-of-fold precision (training/evaluation/bands.py)
        lines = [x for x in (th["lower"], th["upper"]) if x is not None]
        assert lines == sorted(lines) and all(0.0 <= x <= 1.0 for x in lines)
        assert advisory_for(entry, content) is (figures["heldout_auc"] < DECISIVE_MIN_HELDOUT_AUC or not lines)
        if th["upper"] is not None:   # the band kept its promise on the scores it was placed on
            assert figures["bands_measured"]["precision_manipulated"] >= 0.9
    assert roles["face_picture"]["heldout_auc"] == entry["heldout_auc"]  # pictures: the headline folds
