"""Verdict logic as pure functions (no I/O, no models): bands from thresholds, and the combination of
several detectors' results into the one verdict a user sees."""
from __future__ import annotations

NOT_APPLICABLE = "not_applicable"
RANK = {"likely_real": 0, "uncertain": 1, "likely_fake": 2}
# A model decides verdicts only if it separates real from fake on sources and generators it never saw:
# the MEAN leave-one-source-out AUC (manifest "heldout_auc", written by the evaluate command) must reach
# DECISIVE_MIN_HELDOUT_AUC and NO held-out fold (manifest "heldout_worst_auc") may fall below
# DECISIVE_MIN_WORST_FOLD_AUC. Otherwise (or unmeasured) the model is advisory: its score is shown, but a
# model that only wins inside some sources would mislead if it said "likely fake" or "likely real".
DECISIVE_MIN_HELDOUT_AUC = 0.75
DECISIVE_MIN_WORST_FOLD_AUC = 0.60


def is_advisory(heldout_auc: float | None, worst_fold_auc: float | None = None) -> bool:
    """True when the mean held-out AUC or the worst fold's AUC is missing or below its floor."""
    if heldout_auc is None or worst_fold_auc is None:
        return True
    return heldout_auc < DECISIVE_MIN_HELDOUT_AUC or worst_fold_auc < DECISIVE_MIN_WORST_FOLD_AUC


def band(score: float, lower: float, upper: float) -> str:
    """Calibrated score -> verdict band. At or above `upper`: likely_fake; at or below `lower`:
    likely_real; in between: uncertain."""
    if not 0.0 <= lower <= upper <= 1.0:
        raise ValueError(f"bad thresholds lower={lower} upper={upper}")
    if score >= upper:
        return "likely_fake"
    if score <= lower:
        return "likely_real"
    return "uncertain"


def has_proof(result: dict) -> bool:
    """True when a detector reports positive provenance evidence (e.g. a C2PA manifest or a generator's
    metadata saying the media is AI-made). Absence of evidence is not evidence of realness."""
    return any(e.get("indicates") == "ai_generated" for e in result.get("evidence", []))


def combine(results: list[dict]) -> dict:
    """Combine per-detector results into {verdict, score, reason, basis, applied, not_applied, evidence}.

    - Positive provenance evidence wins: likely_fake, score = max(1 model score, 0.99), basis "provenance".
    - Otherwise over the applicable decisive detectors: likely_fake if any says likely_fake; likely_real
      only if every one says likely_real; uncertain otherwise. The score is the highest decisive
      calibrated score (the detector with the strongest signal explains the verdict).
    - Advisory detectors (result["advisory"], see is_advisory) never decide: when only they apply the
      verdict is uncertain with no headline score, basis "advisory".
    - When no detector applies: not_applicable, with every detector's reason.
    `applied` lists each applicable detector's score and band, `not_applied` each other detector with its
    reason (e.g. "no face found"), `evidence` the positive provenance findings shown to the user as such.
    """
    return {**_decide(results), **explain(results)}


def explain(results: list[dict]) -> dict:
    """Which detectors applied (score, band), which did not and why, and the proof-grade evidence."""
    applied = [{"detector": r["detector"], "score": r["score"], "verdict": r["verdict"],
                "advisory": bool(r.get("advisory"))}
               for r in results if r.get("applicable") and r.get("score") is not None]
    not_applied = [{"detector": r["detector"], "reason": r.get("reason") or "not applicable"}
                   for r in results if not (r.get("applicable") and r.get("score") is not None)]
    evidence = [{**e, "detector": r["detector"]} for r in results for e in r.get("evidence", [])
                if e.get("indicates") == "ai_generated"]
    return {"applied": applied, "not_applied": not_applied, "evidence": evidence}


def _decide(results: list[dict]) -> dict:
    proof = [r for r in results if has_proof(r)]
    scored = [r for r in results if r.get("applicable") and r.get("score") is not None]
    if proof:
        top = max([r["score"] for r in scored] + [0.99])
        return {"verdict": "likely_fake", "score": round(top, 4), "reason": None, "basis": "provenance",
                "deciding_detector": proof[0]["detector"]}
    if not scored:
        reasons = [f"{r['detector']}: {r['reason']}" for r in results if r.get("reason")]
        return {"verdict": NOT_APPLICABLE, "score": None,
                "reason": "; ".join(reasons) or "no detector applies to this media", "basis": None,
                "deciding_detector": None}
    decisive = [r for r in scored if not r.get("advisory")]
    if not decisive:
        # No headline probability: an advisory score is no calibrated estimate on unseen generators.
        # Each detector's own score stays in the result for the details view.
        return {"verdict": "uncertain", "score": None, "reason": None, "basis": "advisory",
                "deciding_detector": None}
    scored = decisive
    worst = max(scored, key=lambda r: (RANK.get(r["verdict"], 1), r["score"]))
    verdict = worst["verdict"]
    if verdict not in RANK:
        verdict = "uncertain"
    return {"verdict": verdict, "score": round(max(r["score"] for r in scored), 4), "reason": None,
            "basis": "models", "deciding_detector": worst["detector"]}
