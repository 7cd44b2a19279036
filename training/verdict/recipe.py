"""`fakescope evaluate verdict`: the whole combination (server/verdict.combine) on held-out media of every content
type (training/verdict/data.py), per type the AUC of the verdict a user sees against the best applicable
detector alone, the share of reals called "likely manipulated" and of fakes called "likely authentic", and the
rule the verdict must meet: on every type it ranks at least as well as the best applicable detector.
Writes models/cards/verdict.md and models/cards/verdict_metrics.json. The verdict has no head: `train` is a no-op."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from fakescope.server.verdict import HEADLINE_ORDER, RANK, combine
from fakescope.training.config import repo_root
from fakescope.training.evaluation.metrics import roc_auc
from fakescope.training.evaluation.publish import (md_table, num, pct, replace_readme_role, role_cell, write_card,
                                                   write_metrics_json)


def train(cfg: dict, out_dir: Path, smoke: bool = False) -> dict:
    return {"note": "the verdict combines the detectors' results and has no head of its own: run `fakescope evaluate verdict`"}


def shown_rank(out: dict) -> float:
    """What the user sees, as one number: the verdict band first, then its headline percentage; a verdict
    without a headline number (only advisory findings) ranks by the number the user reads on the first
    track's line ("Picture: 66 % likely manipulated · advisory", HEADLINE_ORDER), and with none at all sits in
    the middle. Not applicable ranks with uncertain."""
    score = out["score"] if out["score"] is not None else first_track_number(out)
    return RANK.get(out["verdict"], 1) + 0.999 * (0.5 if score is None else score)


def first_track_number(out: dict) -> float | None:
    scored = [t for t in out.get("tracks", []) if t.get("score") is not None and t["track"] != "provenance"]
    order = {t: i for i, t in enumerate(HEADLINE_ORDER)}
    scored.sort(key=lambda t: order.get(t["track"], len(order)))
    return scored[0]["score"] if scored else None


def _auc(y: np.ndarray, s: np.ndarray) -> float | None:
    return roc_auc(y, s) if 0 < y.sum() < len(y) else None


def measure_type(items: list[dict]) -> dict:
    y = np.array([it["label"] for it in items])
    outs = [combine(it["results"], it["kind"]) for it in items]
    verdicts = np.array([o["verdict"] for o in outs])
    detectors = {}
    for name in sorted({r["detector"] for it in items for r in it["results"]}):
        rs = [next((r for r in it["results"] if r["detector"] == name), None) for it in items]
        ok = np.array([r is not None and r["applicable"] for r in rs])
        s = np.array([r["score"] if r is not None and r["applicable"] else np.nan for r in rs], float)
        advisory = {bool(r["advisory"]) for r, o in zip(rs, ok) if o}
        detectors[name] = {"applies_to": int(ok.sum()), "auc": _auc(y[ok], s[ok]) if ok.any() else None,
                           "advisory": advisory == {True}}
    best = max((d["auc"] for d in detectors.values() if d["auc"] is not None), default=None)
    auc = _auc(y, np.array([shown_rank(o) for o in outs]))
    return {"n_real": int((y == 0).sum()), "n_fake": int(y.sum()), "verdict_auc": auc, "best_detector_auc": best,
            "rule_met": None if auc is None or best is None else bool(auc >= best - 1e-9),
            "reals_called_manipulated": float(np.mean(verdicts[y == 0] == "likely_fake")) if (y == 0).any() else None,
            "fakes_called_authentic": float(np.mean(verdicts[y == 1] == "likely_real")) if y.any() else None,
            "uncertain": float(np.mean(verdicts == "uncertain")), "detectors": detectors,
            "reals_called_manipulated_by_collection": by_collection(items, verdicts, y)}


def by_collection(items: list[dict], verdicts: np.ndarray, y: np.ndarray) -> dict:
    """Per collection, the share of its reals the verdict calls "likely manipulated"."""
    coll = np.array([it.get("collection", "") for it in items], dtype=object)
    return {str(c): float(np.mean(verdicts[(coll == c) & (y == 0)] == "likely_fake"))
            for c in dict.fromkeys(coll[y == 0])}


def _line(x) -> str:
    return "none" if x is None else pct(x)


def roles_table(man: dict, types: dict) -> str:
    """Each model's role and lines per content type, as the manifest gives them to the server."""
    from fakescope.server.verdict import advisory_for, thresholds_for

    rows = []
    for key, content in [("face_manipulation", "face_picture"), ("face_manipulation", "face_video"),
                         ("audio_speech", "speech"), ("ai_image", None)]:
        entry = man.get(key) or {}
        fig = (entry.get("content_roles") or {}).get(content) or entry
        th = thresholds_for(entry, content)
        rows.append([key, content or "any picture", num(fig.get("heldout_auc")), fig.get("heldout_kind") or "–",
                     "advisory" if advisory_for(entry, content) else "decides",
                     _line(th.get("lower")), _line(th.get("upper")),
                     "per type, out-of-fold precision" if fig is not entry and fig.get("thresholds") else "model-wide"])
    return md_table(["model", "content type", "held-out AUC", "measured on", "role", "likely authentic up to",
                     "likely manipulated from", "lines"], rows)


def card_sections(res: dict, man: dict) -> list[tuple[str, str]]:
    rows = []
    for content, m in res.items():
        dets = "; ".join(f"{k} {num(d['auc'])}{' (advisory)' if d['advisory'] else ''}"
                         for k, d in m["detectors"].items() if d["applies_to"])
        rows.append([content, m["n_real"], m["n_fake"], num(m["verdict_auc"]), num(m["best_detector_auc"]),
                     {True: "met", False: "**not met**", None: "–"}[m["rule_met"]], pct(m["reals_called_manipulated"]),
                     pct(m["fakes_called_authentic"]), pct(m["uncertain"]), dets])
    table = md_table(["content type", "reals", "fakes", "verdict AUC", "best detector alone", "rule",
                      "reals called likely manipulated", "fakes called likely authentic", "uncertain",
                      "detectors alone (AUC)"], rows)
    failed = [k for k, m in res.items() if m["rule_met"] is False]
    reading = ("The rule is met on every content type measured." if not failed else
               "Not met on: " + ", ".join(failed) + ". Where a deciding detector's false alarms on another track "
               "(a genuine voice) reach \"likely manipulated\", they rank reals above fakes; where a detector that "
               "does not apply first holds back \"likely authentic\", the order can shift.")
    return [
        ("How it is measured", "Every item is media none of its detectors was trained on (training/verdict/data.py "
         "says where each score comes from), scored, calibrated, banded with its content type's lines and given "
         "its per-type role as the server does, then combined by server/verdict.combine. The verdict's AUC ranks "
         "what the user sees: the band first, then the headline percentage; an \"uncertain\" verdict without a headline "
         "number (only advisory detectors apply) ranks by the number shown on its first track's line, labelled "
         "advisory (faces, then picture, then voice). The rule: on every content type the verdict ranks at least "
         "as well as the best applicable detector alone."),
        ("Per content type", table),
        ("Roles and lines the server uses", "From models/manifest.json. Per-type lines are placed by "
         "training/evaluation/bands.py on the evaluate command's out-of-fold scores: each band right at least "
         "90 % of the time at even odds, no collection's reals above the upper line more than 5 % of the time, "
         "no collection's fakes below the lower line more than 10 %; \"none\": no such band for that type.\n\n"
         + roles_table(man, res)),
        ("Reals called likely manipulated, per collection", md_table(
            ["content type", "collection", "reals called likely manipulated"],
            [[k, c, pct(v)] for k, m in res.items() for c, v in m["reals_called_manipulated_by_collection"].items()])),
        ("Reading it", reading),
    ]


def evaluate(cfg: dict, smoke: bool = False) -> dict:
    from fakescope.training.verdict import data as D

    speech = D.zero_shot_speech()
    by_type: dict[str, list] = {"speech": speech}
    for it in D.face_videos(speech):
        if it["content"].endswith("cloned voice"):
            it["label"] = 1  # a cloned voice makes the media manipulated, whatever the picture
        by_type.setdefault(it["content"], []).append(it)
    by_type["face_picture"] = D.face_pictures()
    from fakescope.training.verdict.pictures import picture_items

    by_type.update(picture_items())
    res = {k: measure_type(v) for k, v in by_type.items()}
    root = repo_root() / "models" / "cards"
    write_metrics_json(root / "verdict_metrics.json", res)
    man = D.manifest()
    card = write_card(root / "verdict.md", "The verdict: every detector combined", card_sections(res, man))
    for key, entry in man.items():   # the README's role cells, as the server reads the manifest now
        if "heldout_auc" in entry:
            replace_readme_role(repo_root() / "README.md", key, role_cell(entry))
    for k, m in res.items():
        print(f"  {k}: verdict AUC {num(m['verdict_auc'])} vs best detector {num(m['best_detector_auc'])}, "
              f"rule {m['rule_met']}", flush=True)
    return {"card": str(card), **{k: m["rule_met"] for k, m in res.items()}}
