"""The speech model's own fold scheme before the shared fold kinds: every head of the config on
leave-one-source-out folds (every source, the grouped ones included) and on leave-one-generator-family-out
folds. Its out-of-fold scores feed the in-the-wild checks (studies.wild) and the degraded-vs-clean check
(studies.degradation), and the manifest's loso_* / lofo_* metrics come from here.

Every fold trains a head on the clean AND degraded variants of the training rows and scores the held-out
rows in every variant through server.features.speech.head_logit. Sources that cannot form a fold on their
own (one class only, or fewer than `min_per_class` clips of a class) are grouped into one "other" fold;
the card lists which."""
from __future__ import annotations

import numpy as np

from fakescope.training.audio.data import AudioData
from fakescope.training.audio.features import features
from fakescope.training.audio.heads import fit_score
from fakescope.training.audio.heads.balancing import training_weights
from fakescope.training.audio.studies.degradation import shortcut_checks
from fakescope.training.cache import cached_arrays, key_of
from fakescope.training.config import cache_dir
from fakescope.training.evaluation import metrics, splits
from fakescope.training.evaluation.publish import md_table, num


def fold_of(cfg: dict, table: dict, y: np.ndarray, min_per_class: int | None = None) -> np.ndarray:
    """Fold name per row: the config's fixed groups, else the source, else the grouped "other" fold."""
    fc = cfg["folds"]
    fixed = {src: name for name, srcs in fc.get("fixed", {}).items() for src in srcs}
    fold = np.array([fixed.get(s, s) for s in table["source"]], dtype=object)
    for f in sorted(set(fold)):
        m = fold == f
        if min(int((y[m] == 0).sum()), int((y[m] == 1).sum())) < (min_per_class or fc.get("min_per_class", 5)):
            fold[m] = fc["other_name"]
    return fold


def heldout_scores(cfg: dict, data: AudioData, feats: list[np.ndarray], hcfg: dict, how: str,
                   weights: np.ndarray | None = None, log=print) -> dict:
    """{"scores": (variants+1, N) out-of-fold probabilities (NaN where a row was never held out),
    "fold": fold name per row, "<fold>": train size} for how = "source" or "family". Cached."""
    key = key_of(how, hcfg, list(data.table["sha256"]), cfg["folds"], cfg.get("family_holdout"), len(feats),
                 float(feats[0][:5].sum()), None if weights is None else float(weights.sum() + weights[:7].sum()), "folds-v1")
    path = cache_dir() / "audio_folds" / f"{key}.npz"

    def compute():
        y, t = data.y, data.table
        out = np.full((len(feats), len(y)), np.nan)
        if how == "source":
            names = fold_of(cfg, t, y, min_per_class=1 if len(y) < 200 else None)  # tiny (smoke) sets
            folds = [(f, *splits.holdout_split({**t, "fold": names}, "fold", [f])[:2]) for f in sorted(set(names))]
        else:
            names = np.array(t["family"], dtype=object)
            folds = [(f, *family_split(cfg, t, y, f)) for f in sorted(set(names[y == 1]))]
        real_scores = []
        folds = [(f, tr, va) for f, tr, va in folds if len(set(y[tr])) == 2 and len(set(y[va])) == 2]
        for f, tr, va in folds:
            log(f"    {how} fold {f}: train {len(tr)} / held out {len(va)}")
            s = fit_score(feats, y, tr, va, hcfg, cfg["seed"], weights)
            if how == "source":
                out[:, va] = s
            else:  # family folds share their held-out reals: keep this fold's scores in its own rows
                out[:, va[y[va] == 1]] = s[:, y[va] == 1]
                real_scores.append(s[0, y[va] == 0])
        res = {"scores": out, "fold": names.astype(str), "n_train": np.array([len(tr) for _, tr, _ in folds]),
               "fold_names": np.array([f for f, _, _ in folds], dtype=str)}
        if how == "family":
            res["real_scores"] = np.stack(real_scores)
        return res

    return cached_arrays(path, compute)


def family_split(cfg: dict, table: dict, y: np.ndarray, family: str) -> tuple[np.ndarray, np.ndarray]:
    """Leave-one-generator-family-out: validation = the family's fakes + a fixed, group-disjoint share
    of the reals (the same reals for every family); training = the rest minus rows sharing a group with
    validation or a fake of the held-out family."""
    fh = cfg["family_holdout"]
    real_groups = sorted(set(table["group"][y == 0]))
    rng = np.random.default_rng(fh["seed"])
    held_groups = set(rng.permutation(real_groups)[: int(len(real_groups) * fh["real_fraction"])])
    fam = np.asarray(table["family"], dtype=object)
    val = ((y == 1) & (fam == family)) | ((y == 0) & np.array([g in held_groups for g in table["group"]]))
    vgroups = set(table["group"][val])
    touch = np.array([g in vgroups for g in table["group"]]) | ((y == 1) & (fam == family))
    tr, va = np.flatnonzero(~val & ~touch), np.flatnonzero(val)
    splits.assert_no_leakage(table, tr, va, system_key=None)
    return tr, va


def fold_rows(y: np.ndarray, scores: np.ndarray, fold: np.ndarray, names, generated=None) -> list[dict]:
    """Per fold: n, fakes (and how many of them generated), AUC / EER on clean audio, AUC on the
    degraded variants."""
    rows = []
    gen = np.zeros(len(y), bool) if generated is None else np.asarray(generated, bool)
    for f in names:
        m = fold == f
        s0 = scores[0, m]
        r = {"fold": str(f), "n": int(m.sum()), "n_fake": int(y[m].sum()), "n_generated": int((m & gen).sum()),
             "auc": metrics.roc_auc(y[m], s0), "eer": metrics.eer(y[m], s0)[0]}
        if len(scores) > 1:
            r["auc_degraded"] = metrics.roc_auc(np.tile(y[m], len(scores) - 1), scores[1:, m].ravel())
        rows.append(r)
    return rows


def family_rows(y: np.ndarray, res: dict) -> list[dict]:
    rows = []
    fam = res["fold"]
    for j, f in enumerate(res["fold_names"]):
        fk = (y == 1) & (fam == f)
        s_f, s_r = res["scores"][0, fk], res["real_scores"][j]
        yy = np.r_[np.ones(len(s_f)), np.zeros(len(s_r))]
        ss = np.r_[s_f, s_r]
        rows.append({"fold": str(f), "n": int(len(yy)), "n_fake": int(fk.sum()), "auc": metrics.roc_auc(yy, ss),
                     "eer": metrics.eer(yy, ss)[0]})
    return rows


def summary(rows: list[dict]) -> dict:
    a = np.array([r["auc"] for r in rows if r["auc"] == r["auc"]])
    if not len(a):
        return {"mean": float("nan"), "worst": float("nan"), "worst_fold": None, "n_folds": 0}
    return {"mean": float(a.mean()), "worst": float(a.min()),
            "worst_fold": min(rows, key=lambda r: r["auc"] if r["auc"] == r["auc"] else 9)["fold"], "n_folds": len(a)}


def run(cfg: dict, ctx, res: dict) -> dict:
    """Every head of the config (the shipped one alone in smoke runs) on the leave-one-source-out folds, and
    on the family folds; the shipped head's out-of-fold scores go to ctx.arrays["loso"]."""
    data, nv, seed, y, log = ctx.data, ctx.variants, cfg["augment"]["seed"], ctx.data.y, ctx.log
    weights = training_weights(cfg, data, nv)
    out = {}
    for tag in [cfg["shipped"]] if ctx.smoke else list(cfg["heads"]):
        h = cfg["heads"][tag]
        feats = features(data, h["features"], nv, seed)
        hw = weights if h.get("quality_balance", True) else None
        r = heldout_scores(cfg, data, feats, h["head"], "source", weights=hw, log=log)
        rows = fold_rows(y, r["scores"], r["fold"], r["fold_names"], data.generated)
        if tag == cfg["shipped"]:  # how much each fold's figure could move with other clips of its kind
            for row in rows:
                m = r["fold"] == row["fold"]
                row["auc_interval"] = metrics.auc_interval(y[m], r["scores"][0, m])
            ctx.arrays["loso"] = r["scores"]
        out[tag] = {"name": h["name"], "folds": rows, **summary(rows),
                    "dataset_fakes": summary([x for x in rows if x["n_fake"] > x["n_generated"]]),
                    "shortcut": shortcut_checks(y, r["scores"])}
        if tag == cfg["shipped"] or not (ctx.smoke or h.get("source_folds_only")):
            fam_rows = family_rows(y, heldout_scores(cfg, data, feats, h["head"], "family", weights=hw, log=log))
            out[tag]["families"] = fam_rows
            out[tag]["family_summary"] = summary(fam_rows)
        log(f"  {tag}: leave-one-source-out mean {out[tag]['mean']:.3f} worst {out[tag]['worst']:.3f}")
    names = fold_of(cfg, data.table, y, min_per_class=1 if len(y) < 200 else None)
    members = {f: sorted(set(data.table["source"][names == f])) for f in sorted(set(names))}
    return {"heads": out, "fold_members": members}


def _fold_table(res: dict, key: str, ship: str) -> str:
    heads = res["sources"]["heads"]
    tags = [ship] + [t for t in heads if t != ship]  # the shipped head first: its extra columns follow
    rows = []
    for i, r0 in enumerate(heads[ship][key]):
        row = [r0["fold"], r0["n"], f"{r0['n_fake']}" + (f" ({r0['n_generated']} gen.)" if r0.get("n_generated") else "")]
        for t in tags:
            rr = heads[t].get(key)
            row.append(num(rr[i]["auc"]) if rr else "–")
        if key == "folds":
            row.append(num(r0.get("auc_degraded")))
            ci = r0.get("auc_interval")
            row.append(f"{num(ci[0])}-{num(ci[1])}" if ci else "–")
        rows.append(row)
    for label, field in (("**mean**", "mean"), ("**worst**", "worst")):
        row = [label, "", ""]
        for t in tags:
            v = heads[t][field] if key == "folds" else heads[t].get("family_summary", {}).get(field)
            row.append(f"**{num(v)}**" if v is not None else "–")
        if key == "folds":
            row += ["", ""]
        rows.append(row)
    hdr = ["held out", "clips", "fakes"] + [f"AUC `{t}`" for t in tags] + (
        [f"AUC `{tags[0]}` degraded variants", f"95 % bootstrap interval `{tags[0]}`"] if key == "folds" else [])
    return md_table(hdr, rows)


def sections(cfg: dict, res: dict) -> list:
    ship = cfg["shipped"]
    s = res["sources"]
    h = s["heads"][ship]
    members = "; ".join(f"**{f}**: {', '.join(m)}" for f, m in s["fold_members"].items() if len(m) > 1)
    heads = "\n".join(f"- `{t}`: {r['name']}" for t, r in s["heads"].items())
    return [("Leave-one-source-out (every source)", _fold_table(res, "folds", ship) + f"""

The interval resamples a fold's reals and fakes (1,000 times, class sizes kept): small folds could have
scored anywhere in it with other clips of the same kind, so a worst fold near the rule's floor is a weak guarantee.
Each fold trains on every other source (all variants) and scores the held-out one; training drops rows that
share a speaker / sentence group or a fake system with the fold. A source's generated TTS fakes belong to
its fold. Grouped folds (the LJSpeech-sentence sources by the config; every source without at least
{cfg['folds']['min_per_class']} clips of each class into "other"): {members}.
Folds whose only fakes are generated TTS (most in-the-wild sources) are easy: those TTS engines also read
other sources' sentences in training; over the {h['dataset_fakes']['n_folds']} folds that hold dataset fakes the
shipped head scores mean **{num(h['dataset_fakes']['mean'])}**, worst {num(h['dataset_fakes']['worst'])}. Unseen TTS engines
are the kokoro and vits rows of the family table below. Heads compared on the same folds:
{heads}

The encoder is frozen in every row. 2.3.1's card also compared the whole encoder, its first layer with its
first two, attention over the encoder frames, v1's spectrogram CNN and two reference recipes on the pool before
2026-12-05 (`git show 9edc32d:models/cards/audio.md`); their features are not cached for today's pool, so this
command no longer refits them. Fine-tuning the encoder: `python experiments/speech_finetune.py --folds A,B`
probes the top layer on the CPU (~10 minutes per fold here); end-to-end fine-tuning on every collection fold does
not fit a 2-core CPU and waits for a GPU."""),
            ("Leave-one-generator-family-out", _fold_table(res, "families", ship) + f"""

Validation = all fakes of one family + the same {int(100 * cfg['family_holdout']['real_fraction'])} % of real
speaker/sentence groups for every family; training = the rest minus anything sharing a group with them.
Families come from `training/audio/data.py:FAMILY_RULES` (first match on the system name); `vits (piper)` is
every VITS-based system: the dataset's VITS / YourTTS / FreeVC / SC-GlowTTS and the generated Piper voice.""")]
