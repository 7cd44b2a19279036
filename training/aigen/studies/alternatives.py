"""The settings in cfg["alternatives"] (overrides of "head", "face_sources" and the encoder's "input_size")
measured again by every evaluate run on the same leave-one-source-out and family folds as the shipped head
(studies/folds.py), so the card shows what the shipped settings were chosen over."""
from __future__ import annotations

import numpy as np
from fakescope.server.features.image import CLIP_INPUT
from fakescope.training.aigen.features import features, load
from fakescope.training.aigen.heads import head_params, score_folds
from fakescope.training.aigen.studies.folds import (
    family_folds,
    fold_indices,
    loso_folds,
)
from fakescope.training.aigen.studies.own_folds import SCORE_VARIANTS, auc
from fakescope.training.evaluation.publish import md_table, num


def run(cfg: dict, ctx=None, res=None) -> list[dict]:
    """Each alternative's fold figures (extra face rows only ever train)."""
    out = []
    for alt in cfg.get("alternatives", []):
        acfg = {**cfg, "face_sources": alt.get("face_sources", cfg.get("face_sources", [])),
                "head": {**cfg["head"], **alt.get("head", {})}}
        hp = head_params(acfg)
        size = int(alt.get("input_size", CLIP_INPUT))
        table, feats, images = load(acfg, variants=list(hp["train_variants"]) + ["clean"], size=size)
        evaluated = tuple(cfg["sources"])
        ev = np.isin(table["source"], evaluated)  # only these rows are ever validated: degrade only them
        feats["web60half"] = np.zeros_like(feats["clean"])
        feats["web60half"][ev] = features({k: v[ev] for k, v in table.items()}, images, "web60half", size=size)
        folds, fams = loso_folds(table, evaluated), family_folds(table, evaluated)
        res = score_folds(feats, table, folds + fams, hp, fold_indices, SCORE_VARIANTS, cfg["seed"])
        aucs = np.array([[auc(table["label"][r["val"]], r[v]) for v in SCORE_VARIANTS] for r in res])
        lo, fa = aucs[:len(folds)], aucs[len(folds):]
        names = [f.name for f in folds]
        out.append({"name": alt["name"], "loso_mean": float(lo[:, 0].mean()), "loso_worst": float(lo[:, 0].min()),
                    "loso_web60half_mean": float(lo[:, 1].mean()), "loso_web60half_worst": float(lo[:, 1].min()),
                    "family_mean": float(fa[:, 0].mean()), "family_worst": float(fa[:, 0].min()),
                    "kurlyto": float(lo[names.index("kurlyto_aiornot"), 0]) if "kurlyto_aiornot" in names else None})
    return out


def _setting(hp: dict, face_sources) -> str:
    what = f"{hp['kind']}, C {hp['C']}" if hp["kind"] == "linear" else f"MLP {hp['hidden']}, alpha {hp['alpha']}"
    return (f"{what}, {'source' if hp.get('source_balanced') else 'class'}-balanced, "
            f"{'+'.join(hp['train_variants'])}{', + face sets' if face_sources else ''}")


def sections(cfg: dict, res: dict) -> list[tuple[str, str]]:
    o = res["own_folds"]
    lo, fa = o["loso"], o["family"]
    kurlyto = next(r["auc"] for r in o["folds"] if r["kind"] == "source")
    shipped = ["**shipped** (" + _setting(cfg["head"], cfg.get("face_sources", [])) + ")", num(lo["auc"]["mean"]),
               num(lo["auc"]["worst"]), num(lo["auc_web60half"]["mean"]), num(lo["auc_web60half"]["worst"]),
               num(kurlyto), num(fa["auc"]["mean"]), num(fa["auc"]["worst"])]
    return [("Alternatives measured on the same folds", md_table(
        ["setting", "LOSO mean", "LOSO worst", "LOSO q60+½ mean", "LOSO q60+½ worst", "kurlyto fold",
         "family mean", "family worst"],
        [shipped] + [[a["name"], num(a["loso_mean"]), num(a["loso_worst"]), num(a["loso_web60half_mean"]),
                      num(a["loso_web60half_worst"]), num(a["kurlyto"]), num(a["family_mean"]), num(a["family_worst"])]
                     for a in res["alternatives"]]))]
