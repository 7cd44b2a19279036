"""The candidates on the same folds (issue 24): every candidate recipe of the config
(training.audio.heads.candidates) on the collection folds and the cloning fold beside the shipped one,
the replacement rule, and which held-out folds reproduce the inverted cloning case."""
from __future__ import annotations

from fakescope.training.audio.data import AudioData, cloning_folds
from fakescope.training.audio.heads.candidates import candidate_rows
from fakescope.training.evaluation import measure
from fakescope.training.evaluation.publish import md_table, num


def measure_candidate(cfg: dict, data: AudioData, name: str, kinds=("collection",), smoke: bool = False,
                      log=print) -> tuple[dict, dict]:
    """(measure's result over `kinds` + the cloning fold, the kept {(kind, fold): (rows, scores)}): the same
    call as the framework's for the shipped candidate (training.evaluation.run.measure_model)."""
    rows = candidate_rows(cfg, data, name, smoke)
    kept: dict = {}
    res = measure.measure(rows, cfg["seed"], log=log, keep_scores=kept, kinds=kinds,
                          extra_folds=cloning_folds(data, rows.table), min_per_class=1 if smoke else 3)
    return res, kept


def replaces(new: dict, old: dict) -> bool:
    """The issue's rule: collection-fold mean higher AND worst collection fold not lower."""
    n, o = new["kinds"]["collection"], old["kinds"]["collection"]
    return n["mean"] > o["mean"] and n["worst"] >= o["worst"]


def measurable(cfg: dict, data) -> list[str]:
    """The candidates this pool can measure: one that trains with copy-synthesis fakes needs them in the pool
    (without them it would silently be the same recipe without; experiments/speech_v3_candidates.py reads the
    pool with them)."""
    has_cs = bool(data.copysynth.any())
    return [n for n, c in cfg["candidates"].items() if has_cs or not c.get("copysynth")]


def run(cfg: dict, ctx, res: dict) -> dict:
    """Every candidate on the collection folds + the cloning fold (the shipped one: the framework's fold
    kinds); none in smoke runs."""
    ship = cfg["shipped_candidate"]
    cands = {n: res["fold_kinds"] if n == ship else measure_candidate(cfg, ctx.data, n, smoke=ctx.smoke, log=ctx.log)[0]
             for n in ([] if ctx.smoke else measurable(cfg, ctx.data))}
    prev = cfg["previous_candidate"]
    return {"results": cands, "rule": {n: replaces(r, cands[prev]) for n, r in cands.items() if n != prev}}


def candidates_table(cfg: dict, res: dict) -> str:
    cands = res["candidates"]["results"]
    if not cands:
        return "not run (smoke run)"
    names = list(cands)
    first = cands[names[0]]
    folds = [(r["kind"], r["fold"], r["n_real"], r["n_fake"]) for r in first["folds"] if r["kind"] in ("collection", "cloning")]
    auc = {n: {(r["kind"], r["fold"]): r["auc"] for r in c["folds"]} for n, c in cands.items()}
    rows = [[k, f, nr, nf, *[num(auc[n].get((k, f))) for n in names]] for k, f, nr, nf in folds]
    for label, field in (("**collection mean**", "mean"), ("**collection worst**", "worst")):
        rows.append([label, "", "", "", *[f"**{num(cands[n]['kinds']['collection'][field])}**" for n in names]])
    prev = cfg["previous_candidate"]
    rule = "; ".join(f"`{n}` {'meets' if ok else 'does not meet'} it" for n, ok in res["candidates"]["rule"].items())
    described = "\n".join(f"- `{n}`: {cfg['candidates'][n]['name']}" for n in names)
    left = [n for n in cfg["candidates"] if n not in cands]
    if left:
        described += ("\n\nNot in this table: " + ", ".join(f"`{n}`" for n in left) + " (trained with copy-synthesis "
                      "fakes, which this evaluation's pool leaves out; measured with them in "
                      "`experiments/speech_v3_candidates.md`).")
    return (md_table(["kind", "held-out fold", "reals", "fakes", *[f"AUC `{n}`" for n in names]], rows) + f"""

{described}

Every candidate is refitted on each fold's training rows (all variants, quality-balancing weights) and scores
the fold's clean clips; the folds are the same for all (`training/audio/heads/candidates.py`, the config's
`candidates`). Rule for replacing `{prev}` (issue 24): collection-fold mean higher AND worst collection fold
not lower: {rule}. Shipped: `{cfg['shipped_candidate']}` ({cfg.get('ship_rule', 'the config names it')}). The candidates were chosen and compared on these
same folds ({len(names)} candidates), so the winner's figures carry that selection: read differences of a
few thousandths as ties, and the small 2026-12-05 pages (8-17 clips) move by up to 0.1 with one clip. Reproduce this table alone:
`OMP_NUM_THREADS=1 nice -n 10 python experiments/speech_v3_candidates.py` (writes
`experiments/speech_v3_candidates.md`).""")


def _moves(cfg: dict, res: dict) -> str:
    """The folds below 0.5 under v2's recipe: the shipped candidate's figure and the candidate that moves each most."""
    cands, prev = res["candidates"]["results"], cfg["previous_candidate"]
    if prev not in cands:
        return ""
    auc = {n: {r["fold"]: r["auc"] for r in c["folds"] if r["kind"] == "collection"} for n, c in cands.items()}
    ship = cfg["shipped_candidate"] if cfg["shipped_candidate"] in cands else None
    parts = []
    for f, a in sorted(auc[prev].items(), key=lambda kv: kv[1]):
        if a >= 0.5:
            break
        best = max(auc, key=lambda n: auc[n].get(f, -1))
        parts.append(f"{f} {num(a)} -> {num(auc[ship][f]) if ship else '–'} shipped (most: `{best}` {num(auc[best][f])})")
    return (f" Under `{prev}` the folds below 0.5 were: " + "; ".join(parts) + ".") if parts else ""


def cloning_note(cfg: dict, res: dict) -> str:
    """Which held-out fold reproduces the issue's inverted cloning case (clones ranked as more authentic than
    the genuine recordings of the same voices): the collection folds below 0.5, and the cloning fold."""
    rows = [r for r in res["fold_kinds"]["folds"] if r["kind"] in ("collection", "cloning")]
    inverted = sorted((r for r in rows if r["auc"] < 0.5), key=lambda r: r["auc"])
    clone = next((r for r in rows if r["kind"] == "cloning"), None)
    text = ", ".join(f"**{r['fold']}** {num(r['auc'])} ({r['n_fake']} fakes / {r['n_real']} reals)" for r in inverted)
    return (f"Folds where the held-out fakes rank as *more authentic* than the reals beside them (AUC < 0.5): "
            f"{text or 'none'}. They are the issue's inverted case in miniature: fakes made from the same voices "
            "or the same recordings as the reals on their page (codec re-synthesis of the real clip, vocoder copy "
            "synthesis, zero-shot clones of the page's own prompts), clean and natural, so that what separates them "
            "is not what separates a demo page's fakes from the rest of the pool." +
            (f" The cloning fold (every page added 2026-12-05 that shows a real prompt with its clones; "
             f"{clone['n_fake']} clones / {clone['n_real']} prompts) scores {num(clone['auc'])}." if clone else "")
            + _moves(cfg, res))


def sections(cfg: dict, res: dict) -> list:
    return [("The inverted cloning case", cloning_note(cfg, res)),
            ("Candidates on the same collection folds (issue 24)", candidates_table(cfg, res))]
