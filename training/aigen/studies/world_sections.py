"""Card sections of the world-like evaluation (training.aigen.studies.world): the candidates on the same folds
and the false-positive share of every real collection, from the result of world.compare (summarised by
summary())."""
from __future__ import annotations

from fakescope.training.evaluation.publish import md_table, num, pct

KEEP = ("name", "bands", "ship_bands", "collections", "heldout_fp", "fake_recall", "fake_recall_ship", "replaces",
        "calibration")


def summary(out: dict) -> list[dict]:
    """What the card and the metrics JSON keep of each candidate (no per-row arrays)."""
    return [{**{k: c[k] for k in KEEP if k in c}, "headline": c["measure"]["headline"], "kinds": c["measure"]["kinds"]}
            for c in out["candidates"]]


def _line(x) -> str:
    return "none (never said)" if x is None else f"{x:.4f}"


def sections(cands: list[dict], shipped: str) -> list[tuple[str, str]]:
    base = cands[0]
    head = md_table(
        ["candidate", "collection folds: mean (worst)", "source folds mean", "family folds mean (worst)",
         "held-out real collections called likely manipulated: mean / worst", "fakes so called",
         "upper line (training collections)", "upper line (every collection)", "fakes so called (every collection)"],
        [[("**" + c["name"] + "** (shipped)") if c["name"] == shipped else c["name"],
          f"{num(c['headline']['mean'])} ({num(c['headline']['worst'])})", num(c["kinds"]["source"]["mean"]),
          f"{num(c['kinds']['family']['mean'])} ({num(c['kinds']['family']['worst'])})",
          f"{pct(c['heldout_fp']['mean'])} / {pct(c['heldout_fp']['worst'])}", pct(c["fake_recall"]),
          _line(c["bands"]["upper"]), _line(c["ship_bands"]["upper"]), pct(c["fake_recall_ship"])] for c in cands])
    note = ("Every candidate is tested on the same rows: the fold kinds of `training/evaluation/` over the "
            "general sources (the collection fold is the content-matched `kurlyto_aiornot`: AI and human "
            "pictures of the same subjects; the added real pictures only ever train), and every real collection "
            "outside the candidate's training scored out of fold: a collection it trains on by a head fitted "
            "without that collection, a held-out collection (role heldout: never trained on by any candidate) by "
            "the head fitted on all of its training rows. Scores are calibrated (Platt on the candidate's "
            "out-of-source training scores, clean and half size + JPEG q60). 'Likely manipulated' = at or above "
            "the upper line that `training/evaluation/bands.py` places on the out-of-fold scores of the "
            "candidate's TRAINING collections (right >= 90 % at even odds, no training collection's reals above "
            "it more than 5 %), so the held-out collections are out of the line's choice too: every picture there "
            "is real, each 'likely manipulated' a false positive. The last two columns: the same rule over every "
            "collection (issue 25 item 4: at most 5 % of every real collection), what a shipped model would use. "
            "A candidate replaces the shipped model only if its collection-fold mean AND its held-out false-"
            "positive mean both improve (`training.aigen.studies.world.better`). Reproduce: `fakescope evaluate "
            "aigen`, or `python -m fakescope.training.aigen.studies.world` for this comparison alone "
            "(runs/aigen/world.json, runs/aigen/oof.json).")
    winners = [c["name"] for c in cands[1:] if c.get("replaces")]
    others = cands[1:]
    hs = [c["headline"]["mean"] for c in others if c["headline"]["mean"] is not None]
    fs = [c["heldout_fp"]["mean"] for c in others if c["heldout_fp"]["mean"] is not None]
    span = (f"content-matched collection {num(base['headline']['mean'])} vs the candidates' "
            f"{num(min(hs, default=None))}-{num(max(hs, default=None))}; held-out real collections called likely "
            f"manipulated {pct(base['heldout_fp']['mean'])} vs {pct(min(fs, default=None))}-{pct(max(fs, default=None))}")
    decision = (f"**Decision:** {', '.join(winners)} beat{'s' if len(winners) == 1 else ''} {base['name']} on both "
                f"({span})." if winners else
                f"**Decision:** no candidate replaces {base['name']}, none improves both ({span}).")
    names = [c["name"] for c in cands]
    rows = []
    for i, r in enumerate(base["collections"]):
        cols = [next(x for x in c["collections"] if x["collection"] == r["collection"]) for c in cands]
        rows.append([r["collection"], r["kind"], r["role"], r["n"]]
                    + [f"{pct(x['fp'])}{'' if not x['trained_on'] else ' (t)'} · {num(x['auc_vs_pool_fakes'])}"
                       for x in cols])
    per = md_table(["real collection", "kind", "role", "pictures"] + names, rows)
    per_note = ("Per real collection: share called likely manipulated at each candidate's upper line (training "
                "collections) · AUC of the collection's reals against all the pool's fakes (out-of-fold, "
                "threshold-free). '(t)': the candidate trains on this collection, and its row is scored by the "
                "head fitted without it. Collections: `training/aigen/data/offline_reals.py` (origin and licence in "
                "docs/extra_reals.md) and the reals of the face pool of `../shared/datasets/images`.")
    return [("World-like evaluation: v2 vs v3 candidates on the same folds", note + "\n\n" + head + "\n\n" + decision),
            ("False positives per real collection", per_note + "\n\n" + per)]


def card_sections(cfg: dict, res: dict) -> list[tuple[str, str]]:
    """The study's sections (training.evaluation.model.Study.sections)."""
    return sections(res["world"], cfg["version"])
