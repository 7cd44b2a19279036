"""The v3 pool of the AI-image model: v2's general sources plus real-only collections of other kinds (issue 25).

Real-only collections (every row label 0):
  extra reals   training.aigen.data.offline_reals: 18 collections from pinned Debian packages / PyPI wheels (photos,
                digital art, renders, vector art, screenshots, filter-edited photos, science images), each
                with a role: "train" (a training real) or "heldout" (scored for false positives only, never
                trained on)
  face reals    the real pictures of face-pool sources of ../shared/datasets/images (the face-swap sources'
                reals only: their fakes are face swaps, not this detector's task), config "face_reals":
                {"train": [...], "heldout": [...]}

Every table here has the columns of training.aigen.data.load_table plus "role" ("train" | "heldout") and
"kind" (what the picture is: general, photo, digital_art, face, ...). Extra-real rows carry absolute paths
(pathlib's join keeps them whatever images_dir is), so training.aigen.features.features caches them per
collection like any source, keyed by every file's sha256."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from fakescope.training.aigen.data import load_table

COLUMNS = ("path", "source", "system", "group", "sha256", "label", "role", "kind", "collection")
# face-swap sources whose few reals (web photos, film stills, CelebA-HQ crops: the swaps' inputs) form ONE
# real collection for the false-positive figures (1-42 pictures each alone)
SWAP_INPUTS = ("simswap", "ghost_swap", "e4s", "reliableswap", "megafs", "inswapper", "blendface")


def general_table(images_dir: Path, sources, limit: int | None = None) -> dict:
    t = load_table(images_dir, sources, limit)
    n = len(t["label"])
    return {**t, "role": np.full(n, "train", dtype=object), "kind": np.full(n, "general", dtype=object),
            "collection": t["source"].astype(object)}


def face_real_table(images_dir: Path, roles: dict, limit: int | None = None) -> dict | None:
    """Real rows of the face-pool sources named in roles {"train": [...], "heldout": [...]}."""
    role_of = {s: r for r, srcs in roles.items() for s in srcs}
    if not role_of:
        return None
    t = load_table(images_dir, tuple(role_of), limit)
    keep = t["label"] == 0
    t = {k: v[keep] for k, v in t.items()}
    return {**t, "role": np.array([role_of[s] for s in t["source"]], dtype=object),
            "kind": np.full(len(t["label"]), "face", dtype=object),
            "collection": np.array(["face_swap_inputs" if s in SWAP_INPUTS else s for s in t["source"]], dtype=object)}


def extra_real_table(roles=("train", "heldout"), limit: int | None = None, log=None) -> dict | None:
    """Rows of the extra real pictures whose collection role is in `roles` (None when none could be had)."""
    from fakescope.training.aigen.data import offline_reals

    kw = {"log": log} if log else {}
    pics = offline_reals.pictures(**kw)
    role = {c.name: c.role for c in offline_reals.COLLECTIONS}
    pics = [p for p in pics if role[p.collection] in roles]
    if limit:
        by: dict[str, list] = {}
        for p in pics:
            by.setdefault(p.collection, []).append(p)
        pics = [p for ps in by.values() for p in ps[:: max(1, len(ps) // limit)][:limit]]
    if not pics:
        return None
    root = offline_reals.default_cache()
    rel = [p.path.relative_to(root).as_posix() if p.path.is_relative_to(root) else p.path.name for p in pics]
    return {"path": np.array([str(p.path) for p in pics]), "source": np.array([p.collection for p in pics]),
            "system": np.array([f"{p.kind} ({p.package})" for p in pics]),
            "group": np.array([f"extra:{p.collection}:{r}" for p, r in zip(pics, rel)]),
            "sha256": np.array([offline_reals.sha256_of(p.path) for p in pics]),
            "label": np.zeros(len(pics), np.int64), "role": np.array([role[p.collection] for p in pics], dtype=object),
            "kind": np.array([p.kind for p in pics], dtype=object),
            "collection": np.array([p.collection for p in pics], dtype=object)}


def concat(*tables) -> dict:
    tables = [t for t in tables if t is not None]
    return {k: np.concatenate([np.asarray(t[k]) for t in tables]) for k in COLUMNS}


def subset(table: dict, mask: np.ndarray) -> dict:
    return {k: v[mask] for k, v in table.items()}


def pool_table(cfg: dict, images_dir: Path, limit: int | None = None, log=None) -> dict:
    """v2's general sources (+ cfg "face_sources", both classes, training only) + the configured real-only
    collections: cfg "extra_reals" (true: every collection with its role) and cfg "face_reals"."""
    parts = [general_table(images_dir, tuple(cfg["sources"]) + tuple(cfg.get("face_sources", [])), limit)]
    parts.append(face_real_table(images_dir, cfg.get("face_reals", {}), limit))
    if cfg.get("extra_reals"):
        parts.append(extra_real_table(limit=limit, log=log))
    return concat(*parts)


def real_collections(table: dict, column: str = "source") -> list[str]:
    """Real-only sources (or collections) of the table (every row real), in table order."""
    out = []
    for s in dict.fromkeys(table[column].tolist()):
        if not table["label"][table[column] == s].any():
            out.append(s)
    return out
