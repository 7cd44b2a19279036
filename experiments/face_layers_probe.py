"""Probe (issue 9): do CLIP's intermediate layers carry manipulation cues the last layer has lost?

The face-2.0 head read the projected embedding and the mean of the LAST layer's patch tokens. Frozen
CLIP features from middle layers are known to keep more low-level texture; this probe measures that on
the face model's own leave-one-source-out folds, before any serving change:

  1. every face crop of the v2 face data, clean variant, once through a tapped CLIP session
     (server.encoders.clip, taps = layers 0-10; the embedding and tokens are bit-identical to serving):
     per layer the CLS token and the mean patch token, cached under .cache/face_layers/ (12 x 1536 per
     image, level 11 = the last layer); the served clean features land in the face_v2 cache on the way;
  2. a logistic head (the face recipe's: standardised, the config's C, sqrt block weights) per source fold and
     per family fold (diffusion, GAN, Photoshop, face swap, the general set's portrait faces) for each
     feature set: the face-2.0 features, every single layer, the face-2.0 features plus middle layers;
  3. for the two worst folds of the face-2.0 features: which fake sources their held-out reals are
     ranked against (a real-only source's fold is tested on the reference groups' fakes).

Image folds only, no video frames and no general-set faces in training (same for every set, so the rows
compare; the card's figures include the DeepFaceLive frames and are higher on the reenactment fold).
Its result, face-2.0 + layer 6, is what face-2.1 ships (server.features.face.FEATURE_DIM).

    python experiments/face_layers_probe.py     # ~17 min encoder pass on AVX2 (cached), ~6 min folds
"""
from __future__ import annotations

import argparse
import json

import numpy as np

from fakescope.server.encoders.clip import EMBED_DIM, LAYERS, MIDDLE_LAYER, TOKEN_DIM, ClipImageEncoder
from fakescope.server.features.face import ENCODER_CROP, MARGIN, crop_features, encoder_input, face_encoder, pooled_features
from fakescope.training.evaluation import metrics
from fakescope.training.cache import cached
from fakescope.training.config import cache_dir, repo_root, resolve_path
from fakescope.training.face import features as F, heads as H
from fakescope.training.face import data as D
from fakescope.training.evaluation.splits import group_holdout
from fakescope.training.face.data import yunet_path
from fakescope.training.face.studies.sources import FAMILIES, fold_rows, held_pair_auc, summarise

# the probe ran at CLIP's own input size (face-2.1's); face-2.2 serves 192 px (server.features.face.ENCODER_SIZE)
PROBE_SIZE = 224
# what the layer cache holds (all 12 layers' CLS and mean patch token of the clean crop)
LAYERS_SPEC = f"clip_vit_b16_int8:layers0-11:cls+meantok:crop{ENCODER_CROP}:m{MARGIN}:jpeg90:v1"
COMBINED = {"face-2.0 + layer 6 (face-2.1)": (6,), "face-2.0 + layer 8": (8,), "face-2.0 + layers 4, 6, 8": (4, 6, 8)}


def layer_features(data: dict, seed: int, log=print) -> tuple[np.ndarray, np.ndarray]:
    """(face-2.0 features (N, 1280): embedding + last-layer mean token, per-layer [CLS, patch mean]
    (N, 12, 1536)), cached per image; the served face features land in their cache on the way."""
    enc = None
    feats, layers = [], []
    for i, sha in enumerate(data["sha256"]):
        key = F.row_key("clean", seed, str(sha), F.feature_spec(PROBE_SIZE))

        def compute(i=i, key=key):
            nonlocal enc
            enc = enc or ClipImageEncoder(taps=tuple(range(LAYERS - 1)), size=PROBE_SIZE)
            emb, tok, hidden = enc.run_taps(encoder_input(data["crops"][i], PROBE_SIZE))
            cached("face_v2/clean", key, lambda: pooled_features(emb, tok, hidden[MIDDLE_LAYER]))
            h = np.concatenate([hidden, tok[None]])                      # 12 x 197 x 768
            return np.concatenate([h[:, 0], h[:, 1:].mean(axis=1)], axis=1).astype(np.float32)

        layers.append(cached("face_layers", F.row_key("clean", seed, str(sha), LAYERS_SPEC), compute))
        feats.append(cached("face_v2/clean", key, lambda i=i: crop_features(data["crops"][i], face_encoder(PROBE_SIZE))))
        if log and (i + 1) % 500 == 0:
            log(f"  layer features {i + 1}/{len(data['sha256'])}", flush=True)
    return np.stack(feats)[:, :EMBED_DIM + TOKEN_DIM], np.stack(layers)


def unit(a: np.ndarray) -> np.ndarray:
    return a / np.maximum(np.linalg.norm(a, axis=-1, keepdims=True), 1e-8)


def feature_sets(shipped: np.ndarray, layers: np.ndarray) -> dict:
    one = lambda k: np.concatenate([unit(layers[:, k, :TOKEN_DIM]), unit(layers[:, k, TOKEN_DIM:])], axis=1)  # noqa: E731
    sets = {"face-2.0 (embedding + last-layer mean token)": shipped}
    sets |= {f"layer {k} alone": one(k) for k in range(LAYERS)}
    sets |= {name: np.concatenate([shipped] + [one(k) for k in ks], axis=1) for name, ks in COMBINED.items()}
    return sets


def fold_scores(data: dict, X: np.ndarray, ref: np.ndarray, held: np.ndarray, C: float):
    """(test rows, decision scores) of one fold (held = its held-out rows); training as above."""
    from sklearn.linear_model import LogisticRegression

    tr, te, _ = fold_rows(data, ref, held)
    tr = tr[~np.isin(data["source"][tr], D.GENERAL_SOURCES)]
    mu, sd = X[tr].mean(0), X[tr].std(0) + 1e-6
    lr = LogisticRegression(C=C, max_iter=3000, tol=1e-5).fit(
        (X[tr] - mu) / sd, data["label"][tr], sample_weight=H.block_weights(H.block_names(data, tr), "sqrt"))
    return te, lr.decision_function((X[te] - mu) / sd)


def confusions(data: dict, te: np.ndarray, p: np.ndarray, held: np.ndarray) -> dict:
    """AUC of the fold's held-out reals against each other source's fakes in its test set (>= 3 images)."""
    src, y = data["source"][te], data["label"][te]
    hr = held[te] & (y == 0)
    out = {}
    for s in np.unique(src[~held[te] & (y == 1)]):
        m = ~held[te] & (y == 1) & (src == s)
        if hr.any() and m.sum() >= 3:
            lab = np.r_[np.zeros(hr.sum()), np.ones(m.sum())]
            out[str(s)] = {"fakes": int(m.sum()), "auc": metrics.roc_auc(lab, np.r_[p[hr], p[m]])}
    return out


def run(log=print) -> dict:
    cfg = json.loads((repo_root() / "training" / "configs" / "face.json").read_text())
    data = D.build_crops(resolve_path(cfg["data"]["images"]), yunet_path(repo_root()), cache_dir())
    shipped, layers = layer_features(data, cfg["train"]["seed"], log)
    ref = group_holdout(data["group"], cfg["eval"]["reference_fraction"], cfg["split"]["seed"])
    sources = [s for s in D.FACE_SOURCES_V2 if (data["source"] == s).any()]
    family = np.array([D.family_of(s) for s in data["source"]])
    helds = {s: data["source"] == s for s in sources}
    families = {f: family == f for f in FAMILIES}
    res = {"n_images": int(len(data["label"])), "sets": {}}
    for name, X in feature_sets(shipped, layers).items():
        row = {}
        for kind, folds_of in (("source", helds), ("family", families)):
            folds = {}
            for k, held in folds_of.items():
                te, p = fold_scores(data, X, ref, held, cfg["train"]["C"])
                folds[k] = {"auc": held_pair_auc(data["label"][te], p, held[te])}
            row[kind] = {**summarise(folds), "folds": {k: round(v["auc"], 4) for k, v in folds.items()}}
        res["sets"][name] = row
        log(f"{name:46s} source folds mean {row['source']['mean']:.3f} worst {row['source']['worst']:.3f} | "
            f"family folds mean {row['family']['mean']:.3f} worst {row['family']['worst']:.3f}", flush=True)
    base = res["sets"]["face-2.0 (embedding + last-layer mean token)"]["source"]
    res["worst_folds"] = {}
    for worst in sorted(base["folds"], key=base["folds"].get)[:2]:
        te, p = fold_scores(data, shipped, ref, helds[worst], cfg["train"]["C"])
        res["worst_folds"][worst] = confusions(data, te, p, helds[worst])
        log(f"worst fold {worst}, its reals vs: " + (", ".join(
            f"{k} fakes {v['auc']:.2f} (n {v['fakes']})" for k, v in res["worst_folds"][worst].items()) or "(no reals)"))
    out = repo_root() / "runs" / "face" / "layers_probe.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2))
    log(f"wrote {out}")
    return res


def main(argv=None) -> None:
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args(argv)
    run()


if __name__ == "__main__":
    main()
