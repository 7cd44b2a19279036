"""What a model declares to the framework, and nothing more: where its rows and features come from, how its
head is fitted and scored per fold, which file statistics could give its label away, how its score is
calibrated, and the checks that only it has (studies). training.evaluation.run does the rest the same way for
every model: the shared fold kinds, the shortcut check, the card and the manifest entry.

    MODEL = Model(name="face", title=..., applies=..., looks_for=..., load=..., rows=..., statistics=...,
                  calibrate=..., describe=..., publish=..., studies=(Study(...), ...))

A model package (training/<name>/) holds data, features, heads, recipe and studies; its recipe module ends
with its MODEL and hands `evaluate` to training.evaluation.run.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from fakescope.training.evaluation.folds import KINDS

Context = Any   # what a model's load() returns: its data and cached features, read only by its own hooks
Sections = list  # [(heading, markdown)]


@dataclass(frozen=True)
class Study:
    """A check only this model has (the face model's video clips, the speech gate, the AI-image model's
    real collections ...): run(cfg, ctx, res) -> figures, kept in res[name]; sections(cfg, res) -> the card's
    sections about it, placed after the shared ones. smoke=False: skipped in smoke runs; after_publish=True:
    run once the manifest pins the new model (a measurement through the server's loader)."""
    name: str
    run: Callable[[dict, Context, dict], Any]
    sections: Callable[[dict, dict], Sections] = lambda cfg, res: []
    smoke: bool = True
    after_publish: bool = False   # measures the published model through the server (its manifest pin)


@dataclass(frozen=True)
class Model:
    """One detector as the framework sees it.

    load(cfg, smoke)            -> ctx: its rows and cached features (data.py, features.py)
    rows(cfg, ctx)              -> measure.Rows: the fold table and fit_score (heads.py)
    statistics(cfg, ctx)        -> (names, array n_rows x k): file statistics (size, format, quality ...) that
                                   must not predict the label; the shortcut check fits a head on them alone
    calibrate(cfg, ctx, res)    -> the calibration figures (keys: see card.calibration_section); may read the
                                   out-of-fold scores in res["kept"]
    describe(cfg, ctx, res)     -> the card's first sections ("Model", "Data")
    publish(cfg, ctx, res)      -> the manifest entry's model-specific fields (input_spec, calibration,
                                   thresholds, content_roles, metrics_, fmt, data_manifest)
    limits(cfg, res)            -> the card's "Limits" text
    extra_folds(cfg, ctx, tab)  -> folds of a kind only this model's data has (e.g. folds.cloning_fold)
    seed(cfg)                   -> the seed of folds and bootstrap
    summary(cfg, res)           -> figures of its own that the command returns and prints beside the shared
                                   ones (smoke runs too: only what their studies measured)
    """
    name: str
    title: str
    card: str
    applies: str
    looks_for: str
    load: Callable[[dict, bool], Context]
    rows: Callable[[dict, Context], Any]
    statistics: Callable[[dict, Context], tuple]
    calibrate: Callable[[dict, Context, dict], dict]
    describe: Callable[[dict, Context, dict], Sections]
    publish: Callable[[dict, Context, dict], dict]
    limits: Callable[[dict, dict], str]
    seed: Callable[[dict], int]
    studies: tuple = ()
    extra_folds: Callable[[dict, Context, dict], list] = lambda cfg, ctx, table: []
    kinds: tuple = KINDS
    reproduce: tuple = field(default_factory=tuple)   # extra commands the card's "Reproduce" names
    summary: Callable[[dict, dict], dict] = lambda cfg, res: {}   # extra figures `fakescope evaluate` prints
