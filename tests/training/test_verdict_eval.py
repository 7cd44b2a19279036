"""The verdict evaluation's measuring (training/verdict/recipe.py), on hand-made results: what the user sees is
ranked band first, and the rule compares it with the best applicable detector alone."""
from __future__ import annotations

from fakescope.training.verdict.recipe import measure_type, shown_rank


def r(name, score, verdict, advisory=False):
    return {"detector": name, "applicable": score is not None, "score": score, "verdict": verdict,
            "advisory": advisory, "reason": None if score is not None else "no face found", "evidence": []}


def test_the_band_ranks_before_the_percentage():
    assert shown_rank({"verdict": "likely_fake", "score": 0.70}) > shown_rank({"verdict": "uncertain", "score": 0.69})
    assert shown_rank({"verdict": "uncertain", "score": None}) == shown_rank({"verdict": "not_applicable", "score": None})


def test_a_deciding_detector_carries_its_ranking_into_the_verdict():
    items = [{"kind": "audio", "label": y, "results": [r("audio_speech", s, v)]}
             for y, s, v in ((0, 0.1, "likely_real"), (0, 0.5, "uncertain"), (1, 0.6, "uncertain"), (1, 0.9, "likely_fake"))]
    m = measure_type(items)
    assert m["verdict_auc"] == m["best_detector_auc"] == 1.0 and m["rule_met"] is True
    assert m["reals_called_manipulated"] == 0.0 and m["fakes_called_authentic"] == 0.0


def test_advisory_detectors_alone_rank_by_the_number_on_their_line():
    # the verdict stays "uncertain" with no headline probability; the user reads "Picture: NN % · advisory"
    items = [{"kind": "image", "label": y, "results": [r("ai_image", s, v, advisory=True)]}
             for y, s, v in ((0, 0.1, "likely_real"), (0, 0.4, "uncertain"), (1, 0.9, "likely_fake"))]
    m = measure_type(items)
    assert m["uncertain"] == 1.0 and m["detectors"]["ai_image"]["advisory"] is True
    assert m["best_detector_auc"] == m["verdict_auc"] == 1.0 and m["rule_met"] is True
    # the faces' line comes first when both apply, whatever the picture's score
    out = {"verdict": "uncertain", "score": None, "tracks": [
        {"track": "picture", "score": 0.9}, {"track": "faces", "score": 0.2}, {"track": "provenance", "score": None}]}
    assert shown_rank(out) == 1 + 0.999 * 0.2


def test_nothing_to_read_sits_in_the_middle():
    assert shown_rank({"verdict": "uncertain", "score": None, "tracks": []}) == 1 + 0.999 * 0.5
