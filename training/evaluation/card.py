"""The one card writer: every model's card has the same sections in the same order, written from the
evaluation's figures (nothing typed by hand):

  the model's own description (Model, Data)       Model.describe
  Fold kinds, Every fold of every kind            measure.card_sections
  Shortcut checks                                 shortcuts.section
  Calibration and verdict lines                   calibration_section (Model.calibrate's figures)
  Role in the verdict                             publish.roles_text / role_text
  the model's studies                             Study.sections, in the model's order
  Limits, Reproduce
"""
from __future__ import annotations

from pathlib import Path

from fakescope.training.evaluation import measure, publish, shortcuts
from fakescope.training.evaluation.publish import md_table, num, pct

CALIBRATION_KEYS = ("method", "on", "n", "params", "ece_raw", "ece_cross_fitted", "thresholds", "band_rates")


def _line(x) -> str:
    return "none (never said)" if x is None else f"{x:.4f}"


def calibration_section(c: dict) -> str:
    """Model.calibrate's figures as text. Required keys: CALIBRATION_KEYS; optional: ece_in_sample,
    auc_pooled, lines_rule, per_collection [{collection, n_real, reals_called_manipulated, n_fake,
    fakes_called_authentic}], note."""
    missing = [k for k in CALIBRATION_KEYS if k not in c]
    if missing:
        raise KeyError(f"calibration figures lack {missing}")
    th, br = c["thresholds"], c["band_rates"]
    text = (f"{c['method']} fitted on {c['n']} {c['on']}: ECE {num(c['ece_raw'])} before calibration, "
            f"{num(c['ece_cross_fitted'])} cross-fitted (fitted on half of the groups, measured on the other half, "
            "both ways)" + (f", {num(c['ece_in_sample'])} in sample" if c.get("ece_in_sample") is not None else "")
            + "." + (f" Pooled out-of-fold AUC {num(c['auc_pooled'])}." if c.get("auc_pooled") is not None else "")
            + f" Verdict lines: likely authentic up to {_line(th.get('lower'))}, likely manipulated from "
            f"{_line(th.get('upper'))}" + (f" ({c['lines_rule']})" if c.get("lines_rule") else "") + ". On these "
            f"scores: reals called likely manipulated {pct(br.get('real_called_fake'))}, fakes called likely "
            f"authentic {pct(br.get('fake_called_real'))}, uncertain {pct(br.get('uncertain'))}. "
            f"Parameters: `{c['params']}`.")
    if c.get("note"):
        text += " " + c["note"]
    if c.get("per_collection"):
        text += "\n\n" + md_table(
            ["collection", "reals", "reals called likely manipulated", "fakes", "fakes called likely authentic"],
            [[r["collection"], r.get("n_real", "–"), pct(r.get("reals_called_manipulated")), r.get("n_fake", "–"),
              pct(r.get("fakes_called_authentic"))] for r in c["per_collection"]])
    return text


def role_section(res: dict) -> str:
    roles = res.get("content_roles")
    if roles:
        return publish.roles_text(roles)
    h = res["fold_kinds"]["headline"]
    return publish.role_text(h["mean"], f"{h['kind']}-fold", h["worst"])


def reproduce_section(model, cfg: dict) -> str:
    cmds = [f"fakescope train {cfg['name']}", f"fakescope evaluate {cfg['name']}", *model.reproduce]
    return ("```\n" + "\n".join(cmds) + "\n```" + f"\n\nConfig `training/configs/{cfg['name']}.json`; the card, "
            f"the plots and the manifest entry `{cfg['model_key']}` are written by the second command "
            "(training/evaluation/run.py), never by hand.")


def sections(model, cfg: dict, ctx, res: dict) -> list[tuple[str, str]]:
    out = list(model.describe(cfg, ctx, res))
    out += measure.card_sections(res["fold_kinds"])
    if res.get("shortcuts"):
        out.append(("Shortcut checks (the same folds, file statistics alone)",
                    shortcuts.section(res["fold_kinds"], res["shortcuts"])))
    out.append(("Calibration and verdict lines", calibration_section(res["calibration"])))
    out.append(("Role in the verdict", role_section(res)))
    for st in model.studies:
        if st.name in res:
            out += list(st.sections(cfg, res))
    out.append(("Limits", model.limits(cfg, res)))
    out.append(("Reproduce", reproduce_section(model, cfg)))
    return out


def write(model, cfg: dict, ctx, res: dict, path: Path) -> Path:
    return publish.write_card(path, model.title.format(version=cfg.get("version", "")), sections(model, cfg, ctx, res))
