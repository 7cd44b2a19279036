"""`fakescope evaluate NAME`, the same flow for every model (training.evaluation.model.Model):

  data + features   model.load                      (cached)
  folds             measure.measure                 every shared fold kind + the model's extra folds; the
                                                    out-of-fold scores are kept for calibration and bands
  shortcut check    shortcuts.measure_statistics    a head on file statistics alone, the same folds
  calibration       model.calibrate                 on out-of-fold scores
  studies           model.studies                   checks only this model has
  manifest          measure.publish_model (then the studies that measure the published model)
  card              card.write

Smoke runs stop before anything is written to models/ or the README.
"""
from __future__ import annotations

from fakescope.training.config import repo_root
from fakescope.training.evaluation import card, measure, publish, shortcuts


def measure_model(model, cfg: dict, ctx, smoke: bool = False, log=print) -> dict:
    """The shared part of an evaluation: fold kinds, out-of-fold scores ("kept"), the shortcut check."""
    seed = model.seed(cfg)
    rows = model.rows(cfg, ctx)
    n = len(rows.table["label"])
    mpc = 1 if smoke and n < 400 else measure.MIN_PER_CLASS
    kept: dict = {}
    res = {"fold_kinds": measure.measure(rows, seed, log=log, keep_scores=kept, min_per_class=mpc, kinds=model.kinds,
                                         extra_folds=model.extra_folds(cfg, ctx, rows.table)),
           "kept": kept, "rows": rows}
    names, stats = model.statistics(cfg, ctx)
    if stats is not None:
        res["shortcuts"] = shortcuts.measure_statistics(rows.table, names, stats, seed, log=log, min_per_class=mpc)
    return res


def evaluate(model, cfg: dict, smoke: bool = False, log=print) -> dict:
    ctx = model.load(cfg, smoke)
    res = measure_model(model, cfg, ctx, smoke, log)
    res["calibration"] = model.calibrate(cfg, ctx, res)
    for st in model.studies:
        if (st.smoke or not smoke) and not st.after_publish:
            res[st.name] = st.run(cfg, ctx, res)
    h = res["fold_kinds"]["headline"]
    shared = {"heldout_auc": h["mean"] and round(h["mean"], 4), "heldout_worst_auc": h["worst"] and round(h["worst"], 4),
               "heldout_kind": h["kind"], "ece_cross_fitted": round(res["calibration"]["ece_cross_fitted"], 4)}
    if smoke:  # measured, never published
        return {**shared, **model.summary(cfg, res)}
    root = repo_root()
    entry = model.publish(cfg, ctx, res)
    res["content_roles"] = entry.get("content_roles")
    published = measure.publish_model(cfg, res["fold_kinds"], card=model.card, applies=model.applies,
                                      looks_for=model.looks_for, **entry)
    for st in [st for st in model.studies if st.after_publish]:
        res[st.name] = st.run(cfg, ctx, res)
    path = card.write(model, cfg, ctx, res, root / "models" / "cards" / model.card)
    publish.write_metrics_json(root / "runs" / cfg["name"] / "metrics.json",
                               {k: v for k, v in res.items() if k not in ("kept", "rows")})
    return {**shared, **published, **model.summary(cfg, res), "card": str(path)}
