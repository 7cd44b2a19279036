"""Evaluation that mirrors the world (issue 25): one union table of v2's general sources and every real-only
collection (training.aigen.data.pool), and for each candidate (v2's settings, v3's) on the SAME folds:

  headline   the framework's fold kinds (training.evaluation.measure) over the general sources: the collection
             fold is the content-matched collection (kurlyto_aiornot: AI and human pictures of the same
             subjects); the added real-only rows only ever train (testable False), so every candidate is tested
             on exactly the same rows
  oof        one out-of-fold score per row: rows of a collection fold from the collection fold's head, rows of
             any other source the candidate trains on from a head fitted without that source (and without
             any row sharing a group), rows it never trains on (held-out real collections) from the head
             fitted on all of its training rows: no row is scored by a head that saw its collection
  calibrated Platt on the candidate's out-of-source scores of its training rows, clean and half size + JPEG
             q60 (as v2's calibration), applied to every row
  bands      training.evaluation.bands.precision_bands on the calibrated out-of-fold scores of the candidate's
             TRAINING collections (so the held-out collections are out of the line's choice too); then per
             real collection the share of its pictures called likely manipulated (a false positive each), and
             of the fakes called so (recall). "ship" bands: the same rule on every collection (issue item 4)

A candidate's "blend_v2": w makes its head ONE linear head whose logit is w * (v2's recipe on v2's rows) +
(1 - w) * (its own recipe on its rows), fitted per fold like any head (world.blend).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from fakescope.server.calibration import apply as cal_apply
from fakescope.server.detectors.ai_image import head_probability
from fakescope.training.aigen.data import family
from fakescope.training.aigen.data.pool import pool_table, real_collections
from fakescope.training.aigen.features import features
from fakescope.training.aigen.heads import fit_on, head_params
from fakescope.training.config import resolve_path
from fakescope.training.evaluation import bands, calibrate, metrics
from fakescope.training.evaluation.measure import Rows, measure, out_of_fold

SCORE_VARIANTS = ("clean", "web60half")


def union_config(cfg: dict) -> dict:
    """The union pool: every real-only collection and every training-only face source (both classes) any
    candidate names, extra reals included."""
    face: dict[str, list] = {}
    both: list[str] = []
    for c in [cfg] + list(cfg.get("candidates", [])):
        both += [s for s in c.get("face_sources", []) if s not in both]
        for role, srcs in c.get("face_reals", {}).items():
            face.setdefault(role, [])
            face[role] += [s for s in srcs if s not in face[role]]
    trained = set(face.get("train", []))  # a source any candidate trains on has the role "train"
    face = {role: [s for s in srcs if role == "train" or s not in trained] for role, srcs in face.items()}
    return {**cfg, "face_sources": both, "face_reals": face, "extra_reals": True}


def load_union(cfg: dict, variants, smoke: bool = False, log=print) -> tuple[dict, dict]:
    images = resolve_path(cfg["data"]["images"])
    table = pool_table(union_config(cfg), images, cfg["smoke"]["limit_per_source"] if smoke else None)
    return table, {v: features(table, images, v, log) for v in dict.fromkeys(variants)}


def training_mask(table: dict, cand: dict) -> np.ndarray:
    """Rows a candidate trains on: its general sources, its train-role face reals, and (cand "extra_reals")
    the train-role extra reals (only cand "extra_collections" when given). Held-out-role rows never train."""
    from fakescope.training.aigen.data.offline_reals import COLLECTIONS

    src = table["source"]
    m = np.isin(src, list(cand["sources"]) + list(cand.get("face_sources", []))
                + list(cand.get("face_reals", {}).get("train", [])))
    if cand.get("extra_reals"):
        chosen = cand.get("extra_collections") or [c.name for c in COLLECTIONS]
        m |= np.isin(src, [c.name for c in COLLECTIONS if c.role == "train" and c.name in chosen])
    return m & (table["role"] == "train")


def framework_table(table: dict, cand: dict) -> dict:
    fam = np.array([family(s) if y else "real" for s, y in zip(table["system"], table["label"])], dtype=object)
    return {"label": table["label"], "source": table["source"], "family": fam, "group": table["group"],
            "testable": np.isin(table["source"], list(cand["sources"]))}


def candidate(table: dict, feats: dict, cand: dict, seed: int, smoke: bool = False, log=print) -> dict:
    """Everything the card compares for one candidate (see the module docstring)."""
    hp = head_params(cand, smoke)
    train = training_mask(table, cand)
    y, src, groups = table["label"], table["source"], table["group"]

    v2_rows = training_mask(table, {**cand, "extra_reals": False, "face_reals": {}, "face_sources": []})

    def fit(idx):
        head = fit_on(feats, table, idx, hp, seed)
        if not cand.get("blend_v2"):
            return head
        return blend(fit_on(feats, table, idx[v2_rows[idx]], hp, seed), head, float(cand["blend_v2"]))

    def fit_score(tr, te, _held=()):
        return head_probability(fit(tr[train[tr]]), feats["clean"][te])

    ft = framework_table(table, cand)
    kept: dict = {}
    res = measure(Rows(ft, fit_score), seed, log=log, min_per_class=1 if smoke else 3, keep_scores=kept)
    full = fit(np.flatnonzero(train))
    oof = {v: np.zeros(len(y)) for v in SCORE_VARIANTS}
    for s in dict.fromkeys(src.tolist()):
        rows = np.flatnonzero(src == s)
        if train[rows].any():
            touch = np.isin(groups, np.unique(groups[rows]))
            head = fit(np.flatnonzero(train & (src != s) & ~touch))
        else:
            head = full
        for v in SCORE_VARIANTS:
            oof[v][rows] = head_probability(head, feats[v][rows])
    source_out = oof["clean"].copy()
    how = np.where(train, "source held out", "never trained on").astype(object)
    rows, p = out_of_fold(kept)            # the collection folds' own scores, as measure() fitted them
    oof["clean"][rows] = p
    how[rows] = "collection fold"
    ti = np.flatnonzero(train)
    pool = np.concatenate([source_out[ti], oof["web60half"][ti]])
    cal = calibrate.fit(pool, np.concatenate([y[ti]] * 2), cand.get("calibration", "platt"))
    pc = cal_apply(oof["clean"], cal)
    coll = table["collection"]
    fit_bands = bands.precision_bands(y[ti], pc[ti], coll[ti])
    ship_bands = bands.precision_bands(y, pc, coll)
    general = _general_fakes(table, cand)
    return {"name": cand.get("name", cand.get("version")), "measure": res, "calibration": cal,
            "oof_calibrated": pc, "train_mask": train, "oof_how": how, "general_fakes": general,
            "bands": _strip(fit_bands), "ship_bands": _strip(ship_bands),
            "collections": per_collection(table, pc, train, fit_bands, ship_bands, general)}


def blend(a: dict, b: dict, weight_a: float) -> dict:
    """ONE linear head whose logit is weight_a * logit_a + (1 - weight_a) * logit_b (both linear heads on
    standardised features: the sum of two affine maps is affine, so the server loads it like any head)."""
    wa, wb = a["w"] / a["sigma"], b["w"] / b["sigma"]
    w = weight_a * wa + (1 - weight_a) * wb
    bias = weight_a * (a["b"] - a["mu"] @ wa) + (1 - weight_a) * (b["b"] - b["mu"] @ wb)
    return {"mu": np.zeros_like(a["mu"]), "sigma": np.ones_like(a["sigma"]), "w": w.astype(np.float32),
            "b": np.asarray(bias, np.float32).reshape(1)}


def _strip(b: dict) -> dict:
    return {k: b[k] for k in ("lower", "upper", *bands.MEASURED)}


def _general_fakes(table: dict, cand: dict) -> np.ndarray:
    """The fakes every candidate is tested on: those of the configured general sources."""
    return (table["label"] == 1) & np.isin(table["source"], list(cand["sources"]))


def per_collection(table: dict, pc: np.ndarray, train: np.ndarray, fit_bands: dict, ship_bands: dict,
                   fakes: np.ndarray) -> list[dict]:
    """Per real collection: how its out-of-fold calibrated scores fall (AUC against `fakes`)."""
    y, src = table["label"], table["collection"]
    out = []
    mixed = [s for s in dict.fromkeys(src.tolist()) if ((src == s) & (y == 0)).any() and ((src == s) & fakes).any()]
    for s in real_collections(table, "collection") + mixed:
        m = (src == s) & (y == 0)
        yy = np.concatenate([np.ones(int(fakes.sum())), np.zeros(int(m.sum()))])
        out.append({"collection": s, "kind": str(table["kind"][m][0]), "role": str(table["role"][m][0]),
                    "trained_on": bool(train[m].any()), "n": int(m.sum()),
                    "median_score": float(np.median(pc[m])),
                    "auc_vs_pool_fakes": metrics.roc_auc(yy, np.concatenate([pc[fakes], pc[m]])),
                    "fp": _above(pc[m], fit_bands["upper"]), "fp_ship": _above(pc[m], ship_bands["upper"])})
    return out


def _above(p: np.ndarray, line) -> float:
    return 0.0 if line is None else float((p >= line).mean())


def fake_recall(c: dict, which: str = "bands") -> float:
    """Share of the general sources' fakes (the same for every candidate) at or above the upper line."""
    return _above(c["oof_calibrated"][c["general_fakes"]], c[which]["upper"])


def heldout_fp(c: dict) -> dict:
    """Mean and worst false-positive share over the real collections the candidate never trained on,
    among the collections no candidate trains on (the same set for every candidate)."""
    rows = [r for r in c["collections"] if r["role"] == "heldout"]
    fp = np.array([r["fp"] for r in rows]) if rows else np.zeros(0)
    return {"mean": float(fp.mean()) if len(fp) else None, "worst": float(fp.max()) if len(fp) else None,
            "n_collections": len(rows)}


def oof_records(table: dict, c: dict) -> list[dict]:
    """runs/aigen/oof.json: every picture's out-of-fold calibrated score. path: relative to
    ../shared/datasets/images, absolute for the extra reals; scored_by: "collection fold" (the collection
    folds' heads: the content-matched collection), "source held out" (a training source, scored by the head
    fitted without it), "never trained on" (the head fitted on all training rows)."""
    return [{"path": str(p), "label": int(y), "collection": str(s), "score": round(float(v), 6), "scored_by": h}
            for p, y, s, v, h in zip(table["path"], table["label"], table["collection"], c["oof_calibrated"],
                                     c["oof_how"])]


def candidates(cfg: dict) -> list[dict]:
    """The shipped settings first (named by its version), then every cfg["candidates"] override."""
    base = {k: v for k, v in cfg.items() if k != "candidates"}
    out = [{**base, "name": base.get("name_on_card", base["version"])}]
    for o in cfg.get("candidates", []):
        out.append({**base, **o, "head": {**base["head"], **o.get("head", {})}})
    return out


def compare(cfg: dict, smoke: bool = False, log=print) -> dict:
    """Every candidate on the same folds of one union table; the first is the configured (shipped) one."""
    cands = candidates(cfg)
    variants = {v for c in cands for v in head_params(c, smoke)["train_variants"]} | set(SCORE_VARIANTS)
    table, feats = load_union(cfg, sorted(variants), smoke, log)
    res = []
    for c in cands:
        log(f"world evaluation: {c['name']}")
        r = candidate(table, feats, c, cfg["seed"], smoke, log=lambda *_: None)
        r["heldout_fp"] = heldout_fp(r)
        r["fake_recall"] = fake_recall(r)
        r["fake_recall_ship"] = fake_recall(r, "ship_bands")
        h = r["measure"]["headline"]
        log(f"  collection folds {h['mean']:.3f} (worst {h['worst']:.3f}); held-out real collections called likely "
            f"manipulated: mean {r['heldout_fp']['mean']:.3f}, worst {r['heldout_fp']['worst']:.3f}; fakes so "
            f"called {r['fake_recall']:.3f}; upper line {r['bands']['upper']}")
        res.append(r)
    return {"table": table, "candidates": res}


def better(new: dict, old: dict) -> bool:
    """v3 replaces v2 only if the headline (collection folds' mean) AND the held-out false-positive shares
    (mean over the held-out real collections at each model's own upper line, which must exist) improve."""
    hn, ho = new["measure"]["headline"]["mean"], old["measure"]["headline"]["mean"]
    fn, fo = new["heldout_fp"]["mean"], old["heldout_fp"]["mean"]
    return (hn is not None and ho is not None and hn > ho and new["bands"]["upper"] is not None
            and fn is not None and fo is not None and fn < fo)


def save_oof(out: dict) -> Path:
    """runs/aigen/oof.json of the configured (first) candidate: what `fakescope evaluate verdict` reads."""
    from fakescope.training.config import repo_root

    runs = repo_root() / "runs" / "aigen"
    runs.mkdir(parents=True, exist_ok=True)
    (runs / "oof.json").write_text(json.dumps(oof_records(out["table"], out["candidates"][0])))
    return runs


def evaluate(cfg: dict) -> list[dict]:
    """The configured model and its cfg["candidates"]: what the card compares (each candidate's "replaces":
    whether it beats the configured model by better()); writes the configured model's out-of-fold calibrated
    score of every picture to runs/aigen/oof.json."""
    from fakescope.training.aigen.studies.world_sections import summary

    out = compare(cfg)
    base = out["candidates"][0]
    for c in out["candidates"][1:]:
        c["replaces"] = better(c, base)
    save_oof(out)
    return summary(out)


def run(cfg: dict, ctx: dict, res: dict | None = None) -> list[dict]:
    """The study's figures, computed once per evaluate run: the shipped lines (calibration, which runs before
    the studies) are placed on them, so whichever asks first computes them and ctx keeps them."""
    if "world" not in ctx:
        ctx["world"] = evaluate(cfg)
    return ctx["world"]


def shipped_lines(base: dict, calibration: dict) -> dict:
    """The shipped model's two lines, placed by training.evaluation.bands on the world-like evaluation's
    out-of-fold scores of EVERY collection (v2's sources, the content-matched fold, the face pool's pictures and
    the offline real collections: no collection's reals above the upper line more than 5 %), moved from that
    evaluation's calibration onto the published one (the same pictures stay above each line)."""
    from fakescope.training.evaluation.bands import move_line

    b = base["ship_bands"]
    return {"lower": move_line(b["lower"], base["calibration"], calibration),
            "upper": move_line(b["upper"], base["calibration"], calibration), "measured": b}


def main() -> None:
    import sys

    from fakescope.training.aigen.studies.world_sections import summary
    from fakescope.training.config import load_config

    out = compare(load_config("aigen"), smoke="--smoke" in sys.argv)
    runs = save_oof(out)
    (runs / "world.json").write_text(json.dumps(summary(out), indent=1, default=float))
    print(f"wrote {runs / 'oof.json'} and {runs / 'world.json'}")


if __name__ == "__main__":
    main()
