"""The world-like evaluation of the AI-image model (training/aigen/studies/world.py) on a hand-made table: held-out
real collections never train, every row is scored by a head that never saw its collection, candidates are
compared on the same test rows, and the replacement rule needs both the headline and the false positives."""
from __future__ import annotations

import numpy as np
import pytest
from fakescope.training.aigen.data.pool import concat, real_collections
from fakescope.training.aigen.studies import world

HP = {"kind": "linear", "C": 0.1, "source_balanced": True, "train_variants": ["clean"]}


def _table(rng):
    rows = []
    # a content-matched collection (both classes), two generators, a camera source, two extra real collections
    rows += [("mix", "Unsplash photo", 0, "train", "general")] * 20 + [("mix", "StyleGAN rental", 1, "train", "general")] * 20
    rows += [("flux", "FLUX.1 dev", 1, "train", "general")] * 20 + [("sdxl", "SDXL 1.0", 1, "train", "general")] * 20
    rows += [("cams", "Canon", 0, "train", "general")] * 20
    rows += [("art", "digital_art", 0, "train", "digital_art")] * 20 + [("held", "render", 0, "heldout", "render")] * 20
    n = len(rows)
    t = {"path": np.array([f"f{i}.jpg" for i in range(n)]), "source": np.array([r[0] for r in rows]),
         "system": np.array([r[1] for r in rows]), "group": np.array([f"g{i}" for i in range(n)]),
         "sha256": np.array(["0" * 64] * n), "label": np.array([r[2] for r in rows], np.int64),
         "role": np.array([r[3] for r in rows], dtype=object), "kind": np.array([r[4] for r in rows], dtype=object)}
    t["collection"] = t["source"].astype(object)
    x = rng.normal(size=(n, 8)).astype(np.float32)
    x[:, 0] += 2.0 * t["label"]                      # the label is in feature 0
    x[t["kind"] != "general", 1] += 3.0              # the real art/render collections look "unusual"
    return t, {"clean": x, "web60half": x + rng.normal(scale=0.1, size=x.shape).astype(np.float32)}


@pytest.fixture(scope="module")
def setup():
    rng = np.random.default_rng(0)
    table, feats = _table(rng)
    base = {"sources": ["mix", "flux", "sdxl", "cams"], "head": HP, "smoke": {"train_variants": ["clean"]},
            "version": "v2"}
    v3 = {**base, "name": "v3", "extra_reals": True}
    return table, feats, base, v3


def test_training_mask_keeps_heldout_collections_out(setup, monkeypatch):
    table, _, base, v3 = setup
    from fakescope.training.aigen.data import offline_reals

    monkeypatch.setattr(offline_reals, "COLLECTIONS", (offline_reals.Collection("art", "p", "r", ("*",), "digital_art", "train"),
                                                       offline_reals.Collection("held", "p", "r", ("*",), "render", "heldout")))
    m2, m3 = world.training_mask(table, base), world.training_mask(table, v3)
    assert not m2[np.isin(table["source"], ["art", "held"])].any()
    assert m3[table["source"] == "art"].all() and not m3[table["source"] == "held"].any()
    assert (m2 <= m3).all()


def test_candidates_share_test_rows_and_score_out_of_fold(setup, monkeypatch):
    table, feats, base, v3 = setup
    from fakescope.training.aigen.data import offline_reals

    monkeypatch.setattr(offline_reals, "COLLECTIONS", (offline_reals.Collection("art", "p", "r", ("*",), "digital_art", "train"),))
    r2 = world.candidate(table, feats, {**base, "name": "v2"}, 0, log=lambda *_: None)
    r3 = world.candidate(table, feats, v3, 0, log=lambda *_: None)
    f2 = {(f["kind"], f["fold"]): (f["n_fake"], f["n_real"]) for f in r2["measure"]["folds"]}
    f3 = {(f["kind"], f["fold"]): (f["n_fake"], f["n_real"]) for f in r3["measure"]["folds"]}
    assert f2 == f3 and ("collection", "mix") in f2          # the same test rows for both
    art2 = next(c for c in r2["collections"] if c["collection"] == "art")
    art3 = next(c for c in r3["collections"] if c["collection"] == "art")
    assert not art2["trained_on"] and art3["trained_on"]
    # v3's art rows come from a head that never saw art: they look as unusual to it as to v2
    assert abs(art3["median_score"] - art2["median_score"]) < 0.5
    held = [c["collection"] for c in r3["collections"] if c["role"] == "heldout"]
    assert held == ["held"] and world.heldout_fp(r3)["n_collections"] == 1
    recs = world.oof_records(table, r3)
    assert len(recs) == len(table["label"]) and all(0.0 <= r["score"] <= 1.0 for r in recs)
    how = {r["collection"]: r["scored_by"] for r in recs}
    assert how == {"mix": "collection fold", "flux": "source held out", "sdxl": "source held out",
                   "cams": "source held out", "art": "source held out", "held": "never trained on"}


def test_replacement_needs_headline_and_false_positives():
    def c(h, fp, upper=0.9):
        return {"measure": {"headline": {"mean": h}}, "heldout_fp": {"mean": fp}, "bands": {"upper": upper}}

    assert world.better(c(0.70, 0.10), c(0.67, 0.18))
    assert not world.better(c(0.70, 0.20), c(0.67, 0.18))      # more false positives
    assert not world.better(c(0.66, 0.05), c(0.67, 0.18))      # worse headline
    assert not world.better(c(0.70, 0.00, None), c(0.67, 0.18))  # never says "likely manipulated"


def test_real_collections_and_concat():
    a = {k: np.array(v) for k, v in {"path": ["a", "b"], "source": ["s", "r"], "system": ["x", "y"],
                                     "group": ["1", "2"], "sha256": ["0", "0"], "label": [1, 0],
                                     "role": ["train", "train"], "kind": ["general", "photo"],
                                     "collection": ["s", "r"]}.items()}
    t = concat(a, None, a)
    assert len(t["label"]) == 4 and real_collections(t) == ["r"]


def test_union_gives_a_source_any_candidate_trains_on_the_train_role():
    cfg = {"face_reals": {"heldout": ["utkface", "simswap"]},
           "candidates": [{"face_reals": {"train": ["utkface"], "heldout": ["simswap"]}}]}
    u = world.union_config(cfg)
    assert u["face_reals"] == {"heldout": ["simswap"], "train": ["utkface"]} and u["extra_reals"]


def test_card_compares_the_shipped_model_with_the_candidates(repo_root):
    import json

    card = json.loads((repo_root / "models" / "cards" / "aigen_metrics.json").read_text())
    man = json.loads((repo_root / "models" / "manifest.json").read_text())["models"]["ai_image"]
    cands = card["world"]
    assert cands[0]["name"] == man["version"] and len(cands) >= 2
    for c in cands:
        assert c["headline"]["kind"] == "collection"
        held = [r for r in c["collections"] if r["role"] == "heldout"]
        assert held and not any(r["trained_on"] for r in held)    # held-out collections never train
        assert all(0.0 <= r["fp"] <= 1.0 for r in c["collections"])
    # the shipped model is the best candidate by the rule, or it was replaced
    assert not any(c.get("replaces") for c in cands[1:]) or man["version"] != "aigen-2.0"
    assert "False positives per real collection" in (repo_root / "models" / "cards" / "aigen.md").read_text()


def test_blend_is_one_linear_head_with_the_weighted_logit():
    from fakescope.server.detectors.ai_image import head_logit

    rng = np.random.default_rng(1)

    def head():
        return {"mu": rng.normal(size=6).astype(np.float32), "sigma": rng.uniform(0.5, 2, 6).astype(np.float32),
                "w": rng.normal(size=6).astype(np.float32), "b": np.array([0.3], np.float32)}

    a, b, x = head(), head(), rng.normal(size=(7, 6)).astype(np.float32)
    got = head_logit(world.blend(a, b, 0.3), x)
    assert np.allclose(got, 0.3 * head_logit(a, x) + 0.7 * head_logit(b, x), atol=1e-4)


def test_card_decision_names_the_winner_or_says_none():
    from fakescope.training.aigen.studies import world_sections

    def cand(name, h, fp, replaces=None):
        kinds = {k: {"mean": h, "worst": h} for k in ("collection", "source", "family")}
        col = [{"collection": "art", "kind": "digital_art", "role": "heldout", "n": 3, "fp": fp, "trained_on": False,
                "auc_vs_pool_fakes": 0.7}]
        c = {"name": name, "headline": {"mean": h, "worst": h}, "kinds": kinds, "heldout_fp": {"mean": fp, "worst": fp},
             "fake_recall": 0.3, "fake_recall_ship": 0.1, "bands": {"upper": 0.8}, "ship_bands": {"upper": None},
             "collections": col}
        return c if replaces is None else {**c, "replaces": replaces}

    text = world_sections.sections([cand("v2", 0.67, 0.13), cand("v3", 0.62, 0.01, False)], "v2")[0][1]
    assert "no candidate replaces v2" in text and "0.620-0.620" in text
    text = world_sections.sections([cand("v2", 0.67, 0.13), cand("v3", 0.70, 0.01, True)], "v2")[0][1]
    assert "v3 beats v2 on both" in text
