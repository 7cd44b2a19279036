"""Recipes: one module per detector family exposing `train(cfg, out_dir, smoke=False)` and
`evaluate(cfg, smoke=False)`; the config's "recipe" names the module."""
from __future__ import annotations

import importlib


def load(name: str):
    """Import training.recipes.<name> and check it has the two entry points."""
    mod = importlib.import_module(f"{__name__}.{name}")
    for fn in ("train", "evaluate"):
        if not callable(getattr(mod, fn, None)):
            raise AttributeError(f"recipe {name!r} has no {fn}()")
    return mod
