"""Image/video combination rules, table-driven (pure functions, no models)."""
from __future__ import annotations

import pytest

from fakescope.server.verdict import DECISIVE_MIN_HELDOUT_AUC, DECISIVE_MIN_WORST_FOLD_AUC, band, combine, is_advisory


def r(name, score, verdict, reason=None, evidence=None, advisory=False):
    return {"detector": name, "applicable": verdict != "not_applicable", "score": score, "verdict": verdict,
            "reason": reason, "evidence": evidence or [], "advisory": advisory}


AI = [{"kind": "xmp", "detail": "IPTC DigitalSourceType = trainedAlgorithmicMedia", "indicates": "ai_generated"}]
NOFACE = r("face_manipulation", None, "not_applicable", "no face found")
NOMETA = r("provenance", None, "not_applicable", "no AI-generation metadata found")

CASES = [
    # (results, verdict, score, basis, deciding)
    ([r("face_manipulation", 0.9, "likely_fake"), r("ai_image", 0.2, "likely_real"), NOMETA],
     "likely_fake", 0.9, "models", "face_manipulation"),
    ([r("face_manipulation", 0.1, "likely_real"), r("ai_image", 0.15, "likely_real"), NOMETA],
     "likely_real", 0.15, "models", "ai_image"),
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
    ([r("face_manipulation", 0.1, "likely_real"), r("ai_image", 0.97, "likely_fake", advisory=True)],
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
