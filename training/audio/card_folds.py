"""The speech card's sections read from the shared fold kinds: the candidates on the same collection folds and
the cloning fold (with the replacement rule), the fold that reproduces the inverted cloning case, and the
calibration / verdict bands placed on the collection folds' out-of-fold scores."""
from __future__ import annotations

from fakescope.training.evaluation.publish import md_table, num, pct


def candidates_section(cfg: dict, res: dict) -> str:
    cands = res.get("candidates") or {}
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
    rule = "; ".join(f"`{n}` {'meets' if ok else 'does not meet'} it" for n, ok in res["candidate_rule"].items())
    described = "\n".join(f"- `{n}`: {cfg['candidates'][n]['name']}" for n in names)
    return (md_table(["kind", "held-out fold", "reals", "fakes", *[f"AUC `{n}`" for n in names]], rows) + f"""

{described}

Every candidate is refitted on each fold's training rows (all variants, quality-balancing weights) and scores
the fold's clean clips; the folds are the same for all (`training/audio/candidates.py`, the config's
`candidates`). Rule for replacing `{prev}` (issue 24): collection-fold mean higher AND worst collection fold
not lower: {rule}. Shipped: `{cfg['shipped_candidate']}` ({cfg.get('ship_rule', 'the config names it')}). The candidates were chosen and compared on these
same folds ({len(names)} candidates), so the winner's figures carry that selection: read differences of a
few thousandths as ties, and the small 2026-12-05 pages (8-17 clips) move by up to 0.1 with one clip. Reproduce this table alone:
`OMP_NUM_THREADS=1 nice -n 10 python experiments/speech_v3_candidates.py` (writes
`experiments/speech_v3_candidates.md`).""")


def _moves(res: dict, prev: str) -> str:
    """The folds below 0.5 under v2's recipe: the shipped candidate's figure and the candidate that moves each most."""
    cands = res.get("candidates") or {}
    if prev not in cands:
        return ""
    auc = {n: {r["fold"]: r["auc"] for r in c["folds"] if r["kind"] == "collection"} for n, c in cands.items()}
    ship = next((n for n, c in cands.items() if c is res["fold_kinds"]), None)
    parts = []
    for f, a in sorted(auc[prev].items(), key=lambda kv: kv[1]):
        if a >= 0.5:
            break
        best = max(auc, key=lambda n: auc[n].get(f, -1))
        parts.append(f"{f} {num(a)} -> {num(auc[ship][f]) if ship else '–'} shipped (most: `{best}` {num(auc[best][f])})")
    return (f" Under `{prev}` the folds below 0.5 were: " + "; ".join(parts) + ".") if parts else ""


def cloning_note(res: dict, prev: str = "v2") -> str:
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
            + _moves(res, prev))


def calibration_section(cfg: dict, res: dict, rel: str) -> str:
    cal, o = res["calibration"], res["oof"]
    b = o["bands"]
    real_high = b["reals_called_manipulated_by_collection"]
    fake_low = b["fakes_called_authentic_by_collection"]
    rows = [[r["collection"], r["n_real"], r["n_fake"], num(r["auc"]), num(r["real_median"]), num(r["real_p90"]),
             num(r["fake_median"]), num(r["fake_p10"]), pct(real_high.get(r["collection"])),
             pct(fake_low.get(r["collection"]))] for r in o["per_collection"]]
    line = {None: "none (the model never says it for speech)"}
    return f"""
Scores: the {o['n']} clips of the collection folds, each scored by a head that never saw its collection nor its
fakes' families (pooled AUC {num(o['auc_pooled'])}). {cal['params']['method'].capitalize()} calibration (lowest
cross-fitted ECE of {', '.join(f'{m} {num(v)}' for m, v in cal['compared'].items())}) fitted on all of them.
ECE: raw {num(cal['ece_raw'])}, in-sample {num(cal['ece_in_sample'])}, cross-fitted (each half calibrated on the
other) **{num(cal['ece_cross_fitted'])}** (target ≤ 0.05).

**Verdict bands** (`training/evaluation/bands.py`, placed on the cross-fitted calibrated scores; the manifest's
`thresholds` and `content_roles.speech.thresholds`): upper (likely fake) **{line.get(b['upper'], num(b['upper'], 4))}**,
lower (likely real) **{line.get(b['lower'], num(b['lower'], 4))}** — each band right ≥ 90 % at even odds, no
collection's reals above the upper line more than 5 %, no collection's fakes below the lower more than 10 %.
On these scores: reals called likely fake {pct(b['reals_called_manipulated'])}, fakes called likely real
{pct(b['fakes_called_authentic'])}, uncertain {pct(b['uncertain'])}; precision of "likely fake" at even odds
{pct(b['precision_manipulated'])}, of "likely real" {pct(b['precision_authentic'])}. (Manifest `thresholds`
carries 0 / 1 for a band that cannot be placed: that band is never said.)

Per collection (calibrated out-of-fold scores): the reals' median and 90th percentile, the fakes' median and
10th percentile, and the share of reals called likely fake / fakes called likely real with these bands:

{md_table(["collection", "reals", "fakes", "AUC", "real median", "real p90", "fake median", "fake p10",
           "reals called likely fake", "fakes called likely real"], rows)}

In-the-wild reals (phone calls, podcasts, noisy recordings: the pool's one-class real sources) have no
collection fold of their own (no fakes beside them): their leave-one-source-out scores (the source never in
training), calibrated as above, against the same bands:

{md_table(["in-the-wild real source", "clips", "median score", "called likely fake", "called likely real"],
          [[r["source"], r["n"], num(r["median"]), pct(r["called_fake"]), pct(r["called_real"])] for r in res.get("wild_reals", [])])}

![ROC and DET]({rel}/roc_det.png) ![calibration]({rel}/calibration.png) ![confusion]({rel}/confusion.png)"""


