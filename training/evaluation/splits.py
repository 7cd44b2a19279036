"""Leakage-safe train/validation splits over a manifest table (dict of column -> numpy array).

Units that must stay on one side: a `group` (speaker / sentence / source photo) always; for a
leave-system-out split also a generator `system`. Because groups and systems overlap (one sentence is
spoken by many generators, one generator reads many sentences), the unit we move is a connected
component of the group-system graph: holding out a component holds out whole systems AND whole groups.
Every split ends with assertions, so a leaking split cannot be trained on."""
from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import numpy as np


class LeakageError(AssertionError):
    """A group or system occurs on both sides of a split."""


def read_table(csv_path: str | Path) -> dict[str, np.ndarray]:
    """A MANIFEST.csv as {column: np.array of str}, in file order."""
    with open(csv_path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise ValueError(f"{csv_path} has no rows")
    return {k: np.array([r[k] for r in rows], dtype=object) for k in rows[0]}


def components(groups, links, link_mask=None) -> np.ndarray:
    """Component id per row of the bipartite graph joining each row's group with its link (e.g. the
    fake's generator). Rows where link_mask is False (e.g. real clips, whose "system" is just the
    corpus name) only join through their group."""
    groups = np.asarray(groups, dtype=object)
    links = np.asarray(links, dtype=object)
    mask = np.ones(len(groups), bool) if link_mask is None else np.asarray(link_mask, bool)
    parent: dict = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for g, s, m in zip(groups, links, mask):
        a = find(("g", g))
        if m:
            parent[a] = find(("s", s))
    roots = [find(("g", g)) for g in groups]
    ids = {r: i for i, r in enumerate(dict.fromkeys(roots))}
    return np.array([ids[r] for r in roots], dtype=np.int64)


def component_split(table: dict, val_fraction: float = 0.3, seed: int = 0, group_key: str = "group",
                    system_key: str = "system", label_key: str = "label", fake_value="fake",
                    max_component_share: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Leave-system-out + group split: whole components go to validation until it holds about
    `val_fraction` of the real clips and of the fake clips. Components larger than
    `max_component_share` of the data stay in training (one giant component would make the validation
    set a single demo page). Returns (train_idx, val_idx)."""
    y = np.asarray(table[label_key]) == fake_value
    comp = components(table[group_key], table[system_key], y)
    n = len(y)
    rng = np.random.default_rng(seed)
    order = rng.permutation(np.unique(comp))
    want = np.array([val_fraction * (~y).sum(), val_fraction * y.sum()])
    have = np.zeros(2)
    val = np.zeros(n, bool)
    for c in order:
        m = comp == c
        if m.sum() > max_component_share * n:
            continue
        add = np.array([(m & ~y).sum(), (m & y).sum()])
        # take the component only if it does not overshoot a class that is already full
        if np.any((add > 0) & (have + add > want * 1.05)):
            continue
        val |= m
        have += add
        if np.all(have >= want * 0.95):
            break
    train_idx, val_idx = np.flatnonzero(~val), np.flatnonzero(val)
    assert_no_leakage(table, train_idx, val_idx, group_key, system_key, label_key, fake_value)
    return train_idx, val_idx


def holdout_split(table: dict, key: str, held: set | list, group_key: str = "group",
                  system_key: str = "system", label_key: str = "label", fake_value="fake",
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Leave-`key`-out (e.g. key="source"): validation = every row whose key is held out; training =
    the rest minus rows sharing a group or a fake system with validation (those are dropped, not
    moved, so validation stays exactly the held-out value). Returns (train_idx, val_idx, dropped_idx)."""
    held = set(held)
    col = np.asarray(table[key], dtype=object)
    is_val = np.array([v in held for v in col])
    y = np.asarray(table[label_key]) == fake_value
    vgroups = set(np.asarray(table[group_key])[is_val])
    vsystems = set(np.asarray(table[system_key])[is_val & y])
    touch = np.array([g in vgroups for g in table[group_key]]) | (
        y & np.array([s in vsystems for s in table[system_key]]))
    train = ~is_val & ~touch
    dropped = ~is_val & touch
    tr, va = np.flatnonzero(train), np.flatnonzero(is_val)
    assert_no_leakage(table, tr, va, group_key, system_key, label_key, fake_value)
    return tr, va, np.flatnonzero(dropped)


def assert_no_leakage(table: dict, train_idx, val_idx, group_key: str = "group", system_key: str | None = "system",
                      label_key: str = "label", fake_value="fake") -> None:
    """Raise LeakageError if any group, or any fake system, occurs in both index sets."""
    train_idx, val_idx = np.asarray(train_idx), np.asarray(val_idx)
    if np.intersect1d(train_idx, val_idx).size:
        raise LeakageError("a row is in both train and validation")
    g = np.asarray(table[group_key], dtype=object)
    both = set(g[train_idx]) & set(g[val_idx])
    if both:
        raise LeakageError(f"{len(both)} group(s) on both sides, e.g. {sorted(both)[:3]}")
    if system_key:
        y = np.asarray(table[label_key]) == fake_value
        s = np.asarray(table[system_key], dtype=object)
        both = set(s[train_idx][y[train_idx]]) & set(s[val_idx][y[val_idx]])
        if both:
            raise LeakageError(f"{len(both)} fake system(s) on both sides, e.g. {sorted(both)[:3]}")


def halves(table: dict, idx, seed: int = 0, group_key: str = "group", system_key: str = "system",
           label_key: str = "label", fake_value="fake") -> tuple[np.ndarray, np.ndarray]:
    """Split validation rows `idx` into two component-disjoint halves, for cross-fitted calibration
    (fit on one half, measure ECE on the other) so reported calibration is not self-evaluated."""
    idx = np.asarray(idx)
    sub = {k: np.asarray(v)[idx] for k, v in table.items()}
    y = sub[label_key] == fake_value
    comp = components(sub[group_key], sub[system_key], y)
    rng = np.random.default_rng(seed)
    side = np.zeros(len(idx), bool)
    counts = np.zeros((2, 2))
    for c in rng.permutation(np.unique(comp)):
        m = comp == c
        add = np.array([(m & ~y).sum(), (m & y).sum()])
        # put the component on the half that currently holds fewer clips of its majority class
        k = int(np.argmax(add))
        h = int(counts[1, k] < counts[0, k])
        side[m] = bool(h)
        counts[h] += add
    return idx[~side], idx[side]


def group_holdout(groups: np.ndarray, frac: float, seed: int) -> np.ndarray:
    """Boolean mask of rows whose group is held out. A group's side depends only on (seed, group name),
    never on which other rows are present, so a subset (tests, smoke runs) gets the same split."""
    def side(g: str) -> float:
        return int.from_bytes(hashlib.sha1(f"{seed}:{g}".encode()).digest()[:8], "big") / 2.0 ** 64

    sides = {g: side(str(g)) for g in np.unique(groups)}
    return np.array([sides[g] < frac for g in groups])
